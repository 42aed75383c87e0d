using Platform.Dispatch.Requests;

namespace Platform.UnitTests;

/// <summary>Possible duplicates are found by the Dice coefficient of the texts' character bigrams.</summary>
public sealed class TextSimilarityTests
{
    [Theory]
    [InlineData("厨房水管漏水", "厨房水管漏水", 1.0)]
    [InlineData("厨房水管漏水", "厨房水管坏了", 0.6)] // 厨房 房水 水管 shared of five each
    [InlineData("楼道灯不亮", "小区路面积水", 0.0)]
    [InlineData("Water-Pipe 2", "water pipe2", 1.0)] // letters and digits only, case-folded
    [InlineData("灯", "灯", 0.0)] // no bigram at all
    public void Dice_of_bigrams(string a, string b, double expected) =>
        Assert.Equal(expected, TextSimilarity.Dice(TextSimilarity.Bigrams(a), TextSimilarity.Bigrams(b)), 3);

    [Fact]
    public void A_repeated_bigram_counts_once_and_skipped_characters_join_their_neighbours()
    {
        // 哈哈 (once), 哈a (across the space), ab.
        Assert.Equal(3, TextSimilarity.Bigrams("哈哈哈哈 ab").Length);
    }

    [Theory]
    [InlineData("厨房水管漏水，请尽快派人维修", "厨房的水管漏水了")]
    [InlineData("Water-Pipe 2", "water pipe2")]
    [InlineData("", "楼道灯不亮")]
    public void A_text_compared_directly_scores_as_its_bigrams_do(string a, string b) =>
        Assert.Equal(TextSimilarity.Dice(TextSimilarity.Bigrams(a), TextSimilarity.Bigrams(b)), TextSimilarity.Dice(TextSimilarity.Bigrams(a), b));

    [Fact]
    public void Long_texts_are_compared_as_short_ones_are()
    {
        // Past the stack buffer: 2,000 characters of which the first half repeats the short text.
        var shortText = "小区东门路灯坏了三天晚上很黑";
        var longText = string.Concat(Enumerable.Repeat(shortText, 1000 / shortText.Length + 1))[..1000] + new string('x', 1000);
        var bigrams = TextSimilarity.Bigrams(longText);
        Assert.Equal(bigrams.Length, bigrams.Distinct().Count());
        Assert.True(bigrams.SequenceEqual(bigrams.Order()));
        Assert.Equal(TextSimilarity.Dice(TextSimilarity.Bigrams(shortText), bigrams), TextSimilarity.Dice(TextSimilarity.Bigrams(shortText), longText));
        Assert.True(TextSimilarity.Dice(TextSimilarity.Bigrams(shortText), longText) > 0.5);
    }
}
