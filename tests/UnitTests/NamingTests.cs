using Platform.ServiceDefaults.Persistence;

namespace Platform.UnitTests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("OutboxMessages", "outbox_messages")]
    [InlineData("CountyId", "county_id")]
    [InlineData("PK_counties", "pk_counties")]
    [InlineData("IX_effects_county_id", "ix_effects_county_id")]
    [InlineData("HTTPRequest", "http_request")]
    [InlineData("Level2Code", "level2_code")]
    [InlineData("id", "id")]
    public void Names_become_snake_case_as_the_migrations_write_them(string name, string expected) =>
        Assert.Equal(expected, ServiceDbContext.ToSnakeCase(name));
}
