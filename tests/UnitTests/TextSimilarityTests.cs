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
        Assert.Equal(3, TextSimilarity.Bigrams("哈哈哈哈 ab").Count);
    }
}
