namespace FastEngine.Ring;

/// <summary>How many threads may claim slots in a ring buffer.</summary>
public enum ProducerType
{
    /// <summary>Exactly one thread ever calls Next/TryNext/Publish: no atomic instruction on the claim path.</summary>
    Single,

    /// <summary>Any number of threads may claim and publish concurrently (atomic claim, per-slot availability flags).</summary>
    Multi,
}
