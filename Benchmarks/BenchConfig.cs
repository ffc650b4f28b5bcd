using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace FastEngine.Benchmarks;

/// <summary>
/// The shared BenchmarkDotNet configuration: every FastEngine benchmark class uses it with
/// <c>[Config(typeof(BenchConfig))]</c>. It adds allocation measurement (a benchmark of a path declared allocation-free
/// must show 0 B in the Allocated column), an operations-per-second column (per operation, so it honours
/// <c>OperationsPerInvoke</c>), median and p95 columns, and a short but repeatable job: one process launch, a few
/// warm-up iterations, then enough measured iterations for a stable median on a shared machine.
/// Command-line job options (for example <c>--job short</c>) still override the job.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithId("FastEngine")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .AsDefault());
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond, StatisticColumn.Median, StatisticColumn.P95);
    }
}
