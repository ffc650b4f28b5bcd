namespace FastEngine.Model;

/// <summary>
/// A venue (exchange market group) as a small integer. The engine never knows a venue by name: adapters
/// register their names in <see cref="VenueNames"/> at start-up. 0 means "no venue".
/// </summary>
/// <remarks>Blittable, 2 bytes, equality by value; safe to copy between threads.</remarks>
public readonly record struct VenueId(ushort Value)
{
    public static readonly VenueId None = default;
    public bool IsNone => Value == 0;
    public override string ToString() => VenueNames.NameOf(this);
}

/// <summary>
/// Process-wide venue name table (cold path). Registration is thread-safe; lookups by id are lock-free.
/// </summary>
public static class VenueNames
{
    private static readonly object _gate = new();
    private static string[] _names = new string[64];
    private static readonly Dictionary<string, VenueId> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers <paramref name="name"/> under a fixed id (idempotent for the same pair).</summary>
    /// <exception cref="ArgumentException">The id or the name is already taken by a different registration.</exception>
    public static VenueId Register(ushort id, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (id == 0) throw new ArgumentOutOfRangeException(nameof(id), id, "venue id 0 is reserved for 'none'; allowed 1..65535");
        lock (_gate)
        {
            if (_byName.TryGetValue(name, out var existing))
            {
                if (existing.Value != id)
                    throw new ArgumentException($"venue name '{name}' is already registered with id {existing.Value}, not {id}", nameof(name));
                return existing;
            }
            var names = _names;
            if (id < names.Length && names[id] is { } taken && !string.Equals(taken, name, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"venue id {id} is already registered as '{taken}'", nameof(id));
            if (id >= names.Length)
            {
                Array.Resize(ref names, Math.Max(id + 1, names.Length * 2));
            }
            else
            {
                names = (string[])names.Clone();
            }
            names[id] = name;
            Volatile.Write(ref _names, names);
            var venue = new VenueId(id);
            _byName[name] = venue;
            return venue;
        }
    }

    /// <summary>The registered name, or <c>venue#N</c> when unregistered.</summary>
    public static string NameOf(VenueId venue)
    {
        var names = Volatile.Read(ref _names);
        return venue.Value < names.Length && names[venue.Value] is { } n ? n : venue.IsNone ? "none" : $"venue#{venue.Value}";
    }

    public static bool TryGet(string name, out VenueId venue)
    {
        lock (_gate) return _byName.TryGetValue(name, out venue);
    }

    /// <summary>All registered venues (cold path), ordered by id.</summary>
    public static IReadOnlyList<(VenueId Id, string Name)> All()
    {
        lock (_gate) return _byName.Select(kv => (kv.Value, kv.Key)).OrderBy(p => p.Value.Value).ToArray();
    }
}
