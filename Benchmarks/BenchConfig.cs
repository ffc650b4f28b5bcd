using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace FastEngine.Benchmarks;

/// <summary>
/// The shared BenchmarkDotNet configuration: every FastEngine benchmark class uses it with
/// <c>[Config(typeof(BenchConfig))]</c>. It adds allocation measurement (a benchmark of a path declared allocation-free
/// must show 0 B in the Allocated column), an operations-per-second column (per operation, so it honours
/// <c>OperationsPerInvoke</c>), median and p95 columns, and a short but repeatable job: one process launch, a few
/// warm-up iterations, then enough measured iterations for a stable median on a shared machine.
/// Command-line job options (for example <c>--job short</c>) still override the job; add <c>--inProcess</c> with them.
/// </summary>
/// <remarks>
/// The default job runs in-process (InProcessEmitToolchain): BenchmarkDotNet's out-of-process toolchain looks for a
/// project file named after the assembly (<c>FastEngine.Benchmarks.csproj</c>) and this one is <c>Benchmarks.csproj</c>.
/// </remarks>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithId("FastEngine")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .AsDefault());
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond, StatisticColumn.Median, StatisticColumn.P95);
    }
}
