using System.Threading.Channels;
using FastEngine.Ring;
using FastEngine.Ring.Dsl;

namespace FastEngine.Cli.Bench;

/// <summary>Topologies measured by <c>fastengine bench ring</c>.</summary>
public enum RingTopology
{
    /// <summary>One producer, one consumer.</summary>
    OneToOne,

    /// <summary>One producer, three chained stages.</summary>
    Pipeline3,

    /// <summary>Three producers, one consumer.</summary>
    ThreeToOne,
}

/// <summary>The consumer work of every scenario: add the event value to a running sum.</summary>
public struct SumStage : IEventHandler<BenchEvent>
{
    public long Sum;

    public void OnEvent(ref BenchEvent data, long sequence, bool endOfBatch) => Sum += data.Value;
}

/// <summary>A topology ready to run: threads started once, then <see cref="RunOnce"/> publishes a round of events and
/// returns when the last stage has consumed them, with the last stage's sum for that round.</summary>
public interface IThroughputScenario : IDisposable
{
    long RunOnce();
}

/// <summary>Producer threads that each run one action per round; rounds are started and awaited without allocation.</summary>
internal sealed class ProducerCrew : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _go = new(0);
    private readonly CountdownEvent _done;
    private volatile bool _stopping;

    public ProducerCrew(int count, Action<int> round, IReadOnlyList<int?>? cpus = null)
    {
        _done = new CountdownEvent(count);
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            int? cpu = cpus is not null && i < cpus.Count ? cpus[i] : null;
            _threads[i] = new Thread(() =>
            {
                if (cpu is { } target)
                    RingScenario.PinOrWarn(target, $"producer-{index}");
                while (true)
                {
                    _go.Wait();
                    if (_stopping)
                        return;
                    round(index);
                    _done.Signal();
                }
            }) { IsBackground = true, Name = $"producer-{i}" };
            _threads[i].Start();
        }
    }

    public void RunRound()
    {
        _done.Reset();
        _go.Release(_threads.Length);
        _done.Wait();
    }

    public void Dispose()
    {
        _stopping = true;
        _go.Release(_threads.Length);
        foreach (var thread in _threads)
            thread.Join(TimeSpan.FromSeconds(5));
    }
}

/// <summary>The ring version of a topology (yielding wait by default: the benchmark machine has few cores).</summary>
public sealed class RingScenario : IThroughputScenario
{
    private readonly Disruptor<BenchEvent> _disruptor;
    private readonly RingBuffer<BenchEvent> _ring;
    private readonly BatchEventProcessor<BenchEvent, SumStage> _last;
    private readonly ProducerCrew? _crew;
    private readonly long _eventsPerRound;
    private readonly int _producers;
    private readonly int _claimBatch;
    private long _published;
    private long _lastSum;

    /// <param name="cpus">Optional thread layout: one CPU per thread, producers first (the calling thread is the
    /// producer of a single-producer topology and is pinned here), then the stages in order; null entries, or a list
    /// shorter than the threads, leave those threads unpinned.</param>
    public RingScenario(RingTopology topology, long eventsPerRound, int ringSize = 1 << 16,
        WaitStrategyKind waitStrategy = WaitStrategyKind.Yielding, int claimBatch = 1, IReadOnlyList<int?>? cpus = null)
    {
        _producers = topology == RingTopology.ThreeToOne ? 3 : 1;
        if (eventsPerRound % _producers != 0 || eventsPerRound % claimBatch != 0)
            throw new ArgumentException("Events per round must divide evenly between producers and claim batches.");

        _eventsPerRound = eventsPerRound;
        _claimBatch = claimBatch;
        _disruptor = new Disruptor<BenchEvent>(ringSize, _producers == 1 ? ProducerType.Single : ProducerType.Multi,
            new StageOptions(waitStrategy));
        int? StageCpu(int stage) => cpus is not null && _producers + stage < cpus.Count ? cpus[_producers + stage] : null;
        StageOptions Options(int stage) => new(waitStrategy, StageCpu(stage), $"stage-{stage}");
        var group = _disruptor.HandleEventsWith(new SumStage(), Options(0));
        if (topology == RingTopology.Pipeline3)
            group = group.Then(new SumStage(), Options(1)).Then(new SumStage(), Options(2));
        _last = group.Processor<SumStage>();
        _ring = _disruptor.RingBuffer;
        _disruptor.Start();
        if (_producers > 1)
            _crew = new ProducerCrew(_producers, _ => Publish(_eventsPerRound / _producers), cpus);
        else if (cpus is { Count: > 0 } && cpus[0] is { } producerCpu)
            PinOrWarn(producerCpu, "producer");
    }

    /// <summary>Pins the calling thread; a failure (another OS, a CPU outside the process's set) is reported on
    /// stderr and the run goes on unpinned.</summary>
    public static void PinOrWarn(int cpu, string thread)
    {
        if (!ThreadAffinity.TryPin(cpu, out var error))
            Console.Error.WriteLine($"warning: {thread} not pinned to CPU {cpu}: {error}");
    }

    /// <summary>The ring (for callers that publish themselves).</summary>
    public RingBuffer<BenchEvent> RingBuffer => _ring;

    public long RunOnce()
    {
        long target = _published + _eventsPerRound;
        if (_crew is null)
            Publish(_eventsPerRound);
        else
            _crew.RunRound();

        _published = target;
        WaitForSequence(_last.Sequence, target - 1);

        // The sum is written before the sequence is released, and read after it is acquired.
        long sum = _last.Handler.Sum;
        long round = sum - _lastSum;
        _lastSum = sum;
        return round;
    }

    private void Publish(long count)
    {
        var ring = _ring;
        int batch = _claimBatch;
        if (batch == 1)
        {
            for (long value = 0; value < count; value++)
            {
                long sequence = ring.Next();
                ring[sequence].Value = value;
                ring.Publish(sequence);
            }

            return;
        }

        for (long value = 0; value < count;)
        {
            long high = ring.Next(batch);
            for (long sequence = high - batch + 1; sequence <= high; sequence++)
                ring[sequence].Value = value++;
            ring.Publish(high - batch + 1, high);
        }
    }

    public static void WaitForSequence(Sequence sequence, long target)
    {
        var spinner = default(SpinWait);
        while (sequence.Value < target)
            spinner.SpinOnce(sleep1Threshold: -1);
    }

    public void Dispose()
    {
        _crew?.Dispose();
        _disruptor.Halt(TimeSpan.FromSeconds(10));
    }
}

/// <summary>The baseline: the same topology with bounded <see cref="Channel{T}"/>s of the same capacity, async
/// consumers (the idiomatic way to read a channel), producers on threads spinning on <c>TryWrite</c>.</summary>
public sealed class ChannelScenario : IThroughputScenario
{
    private readonly Channel<BenchEvent>[] _channels;
    private readonly Task[] _consumers;
    private readonly ProducerCrew? _crew;
    private readonly long _eventsPerRound;
    private readonly int _producers;
    private long _consumed;
    private long _sum;
    private long _published;
    private long _lastSum;
    private long _forwardedSum;

    public ChannelScenario(RingTopology topology, long eventsPerRound, int capacity = 1 << 16)
    {
        _producers = topology == RingTopology.ThreeToOne ? 3 : 1;
        if (eventsPerRound % _producers != 0)
            throw new ArgumentException("Events per round must divide evenly between producers.");

        _eventsPerRound = eventsPerRound;
        int stages = topology == RingTopology.Pipeline3 ? 3 : 1;
        _channels = new Channel<BenchEvent>[stages];
        for (int i = 0; i < stages; i++)
        {
            _channels[i] = Channel.CreateBounded<BenchEvent>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                SingleWriter = i > 0 || _producers == 1,
                FullMode = BoundedChannelFullMode.Wait,
                AllowSynchronousContinuations = false,
            });
        }

        _consumers = new Task[stages];
        for (int i = 0; i < stages; i++)
        {
            var reader = _channels[i].Reader;
            var next = i + 1 < stages ? _channels[i + 1].Writer : null;
            _consumers[i] = next is null ? Task.Run(() => ConsumeLast(reader)) : Task.Run(() => Forward(reader, next));
        }

        if (_producers > 1)
            _crew = new ProducerCrew(_producers, _ => Publish(_eventsPerRound / _producers));
    }

    public long RunOnce()
    {
        long target = _published + _eventsPerRound;
        if (_crew is null)
            Publish(_eventsPerRound);
        else
            _crew.RunRound();

        _published = target;
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _consumed) < target)
            spinner.SpinOnce(sleep1Threshold: -1);

        long sum = Volatile.Read(ref _sum);
        long round = sum - _lastSum;
        _lastSum = sum;
        return round;
    }

    private void Publish(long count)
    {
        var writer = _channels[0].Writer;
        for (long value = 0; value < count; value++)
        {
            var item = new BenchEvent { Value = value };
            if (!writer.TryWrite(item))
            {
                var spinner = default(SpinWait);
                while (!writer.TryWrite(item))
                    spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    private async Task Forward(ChannelReader<BenchEvent> reader, ChannelWriter<BenchEvent> writer)
    {
        long sum = 0;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                sum += item.Value; // same work as a ring stage
                if (!writer.TryWrite(item))
                    await writer.WriteAsync(item).ConfigureAwait(false);
            }
        }

        Interlocked.Add(ref _forwardedSum, sum);
    }

    private async Task ConsumeLast(ChannelReader<BenchEvent> reader)
    {
        long sum = 0;
        long consumed = 0;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                sum += item.Value;
                consumed++;
            }

            // Publish progress once per drained batch (sum first, so a reader that sees the count sees the sum).
            Volatile.Write(ref _sum, sum);
            Volatile.Write(ref _consumed, consumed);
        }
    }

    public void Dispose()
    {
        _crew?.Dispose();
        _channels[0].Writer.TryComplete();
        for (int i = 0; i < _channels.Length; i++)
        {
            _consumers[i].Wait(TimeSpan.FromSeconds(10));
            if (i + 1 < _channels.Length)
                _channels[i + 1].Writer.TryComplete();
        }
    }
}
