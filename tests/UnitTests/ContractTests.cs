using System.Collections;
using System.Reflection;
using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;

namespace Platform.UnitTests;

/// <summary>
/// Every integration event survives the path it travels: serialised into the outbox (web JSON),
/// read back by the relay, published with MassTransit's serializer and consumed as its type — with
/// every field intact. New events are picked up by reflection, so none escapes the check.
/// </summary>
public sealed class ContractTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> Events()
    {
        var data = new TheoryData<string>();
        foreach (var type in EventTypes())
        {
            data.Add(type.FullName!);
        }
        return data;
    }

    [Fact]
    public void Every_event_is_a_county_message_record_in_its_producers_namespace()
    {
        foreach (var type in EventTypes())
        {
            Assert.True(typeof(ICountyMessage).IsAssignableFrom(type), $"{type} does not say which county it belongs to.");
            Assert.StartsWith("Platform.Contracts.", type.Namespace);
            Assert.NotNull(type.GetMethod("<Clone>$"));
        }
    }

    [Theory]
    [MemberData(nameof(Events))]
    public async Task An_event_reaches_its_consumer_with_every_field_intact(string typeName)
    {
        var type = typeof(ICountyMessage).Assembly.GetType(typeName)!;
        var sample = Sample(type, seed: 1);
        var outboxBody = JsonSerializer.Serialize(sample, type, Web);
        var relayed = JsonSerializer.Deserialize(outboxBody, type, Web)!;

        await using var provider = new ServiceCollection()
            .AddMassTransitTestHarness(bus => bus.AddConsumer(typeof(CaptureConsumer<>).MakeGenericType(type)))
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        try
        {
            await harness.Bus.Publish(relayed, type);
            Assert.True(await harness.Consumed.Any(context => context.MessageType == type), $"{type.Name} was not consumed.");
            var consumed = harness.Consumed.Select(context => context.MessageType == type).First().MessageObject;
            Assert.Equal(outboxBody, JsonSerializer.Serialize(consumed, type, Web));
        }
        finally
        {
            await harness.Stop();
        }
    }

    private static IEnumerable<Type> EventTypes() => typeof(ICountyMessage).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(ICountyMessage).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>A value of the type with every field set to something other than its default.</summary>
    private static object Sample(Type type, int seed)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Sample(underlying, seed);
        }
        if (type == typeof(string)) return $"文本-{seed}";
        if (type == typeof(Guid)) return new Guid(seed, 1, 2, [3, 4, 5, 6, 7, 8, 9, 10]);
        if (type == typeof(int)) return 40 + seed;
        if (type == typeof(decimal)) return 1.5m + seed;
        if (type == typeof(bool)) return true;
        if (type == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 11, 20 + seed % 5, 8, 30, 15, TimeSpan.Zero).AddTicks(1234567);
        if (type == typeof(DateOnly)) return new DateOnly(2026, 11, 1 + seed % 20);
        if (type == typeof(TimeOnly)) return new TimeOnly(9 + seed % 8, 30);
        if (type.IsEnum) return Enum.GetValues(type).GetValue(1 + seed % (Enum.GetValues(type).Length - 1))!;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(Sample(element, seed + 1));
            list.Add(Sample(element, seed + 2));
            return list;
        }
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new NotSupportedException($"No sample for {type}.");
        var arguments = constructor.GetParameters().Select((parameter, i) => Sample(parameter.ParameterType, seed * 10 + i)).ToArray();
        return constructor.Invoke(arguments);
    }

    private sealed class CaptureConsumer<T> : IConsumer<T> where T : class
    {
        public Task Consume(ConsumeContext<T> context) => Task.CompletedTask;
    }
}
