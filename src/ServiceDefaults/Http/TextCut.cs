namespace Platform.ServiceDefaults.Http;

/// <summary>Shortening text for titles and labels.</summary>
public static class TextCut
{
    /// <summary>
    /// The text itself when it holds at most <paramref name="maxLength"/> UTF-16 units; else its start
    /// and "…", <paramref name="maxLength"/> units in all at most. The cut never splits a character
    /// written as two units (an emoji, a rare Han character): half of one is not text, and PostgreSQL
    /// would refuse to store it.
    /// </summary>
    public static string Shorten(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        // The common case, a text within the limit, is the text itself: no copy.
        return text.Length <= maxLength ? text : Shorten(text.AsSpan(), maxLength);
    }

    /// <inheritdoc cref="Shorten(string, int)"/>
    public static string Shorten(ReadOnlySpan<char> text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (text.Length <= maxLength)
        {
            return text.ToString();
        }
        var cut = maxLength - 1;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }
        return string.Concat(text[..cut], "…");
    }
}
