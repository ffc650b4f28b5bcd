using FastEngine.Benchmarks.Pipeline;
using FastEngine.Benchmarks.Ring;

// "ring-pingpong" is the latency run that records every round trip into a histogram; everything else goes to
// BenchmarkDotNet.
if (args.Length > 0 && args[0] == RingPingPongLatency.CommandName)
    return RingPingPongLatency.Run(args[1..]);
if (args.Length > 0 && args[0] == RingFloorProbe.CommandName)
    return RingFloorProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == PipelineProfile.CommandName)
    return PipelineProfile.Run(args[1..]);
if (args.Length > 0 && args[0] == RecordCostProfile.CommandName)
    return RecordCostProfile.Run(args[1..]);
if (args.Length > 0 && args[0] == NormalizedReaderProfile.CommandName)
    return NormalizedReaderProfile.Run(args[1..]);
if (args.Length > 0 && args[0] == FastEngine.Benchmarks.Venues.VenueRatioProbe.CommandName)
    return FastEngine.Benchmarks.Venues.VenueRatioProbe.Run(args[1..]);

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
