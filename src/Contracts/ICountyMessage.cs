namespace Platform.Contracts;

/// <summary>
/// A message that belongs to one county (the tenant). Consumers take the tenant from here,
/// so every effect of the message is written under that county's row-level security.
/// </summary>
public interface ICountyMessage
{
    Guid CountyId { get; }
}
