using BioDapr.Lab;

// The cortex's lab: training, the static-policy search, and the controller benchmark in the simulator and live (docs/cortex.md).
return args.FirstOrDefault() switch
{
    "train" => TrainCommand.Run(args[1..]),
    "bench" => BenchCommand.Run(args[1..]),
    "live" => await LiveCommand.RunAsync(args[1..]),
    "coldstart" => await ColdStartCommand.RunAsync(args[1..]),
    "evolve" => await EvolveCommand.RunAsync(args[1..]),
    "scale-bench" => ScaleBenchCommand.Run(args[1..]),
    "scale-live" => await ScaleLiveCommand.RunAsync(args[1..]),
    "scale-probe" => await ScaleProbeCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("""
        Usage: ./biodapr cortex <command> [options]

          train   train the learning agent with PPO on generated scenarios (resumable from its checkpoint)
                  --iterations 60 --episodes 8 --seed 7 --out services/cells/BioDapr.Cortex/policy/cortex-policy.json [--curve run.csv]
                  --score weights.json [--validation 3]: only the validation score of existing weights
          bench   every controller (tuned + default) on the fixed suite and the held-out generated set: tables with paired
                  CIs per scenario, family and phase, the targets, plots (resumable; tuned baselines cached)
                  --seeds 20 --heldout 1 [--heldout-seeds N] --suite scenarios/suite --out docs/benchmarks/cortex-suite [--controllers a,b]
                  [--tuning docs/benchmarks/cortex/tuned-baselines.json] [--retune --population 10 --generations 5 --training 6 --shorten 1]
                  [--curves docs/benchmarks/cortex/training] [--policy file] [--threads n] [--fresh]
                  --scenario file: the single-scenario benchmark instead (--seeds 5 --out docs/benchmarks/cortex)
          live    every controller on the real cells: a fresh organism per run, the scenario replayed shortened
                  --scenario scenarios/reference.yaml --shorten 0.1 --rate-scale 0.25 --seeds 1 --warmup 20 --out docs/benchmarks/cortex-live
                  [--controllers a,b] [--tuning docs/benchmarks/cortex/tuning.json] [--hormones components/local/hormones.json] [--fresh]
          coldstart  a fresh organism replays the scenario the moment it is up, then again warm: goodput of both
                  --scenario scenarios/reference.yaml --shorten 0.1 --rate-scale 0.25 --runs 1 --seed 1 --out docs/benchmarks/coldstart
                  [--hormones components/local/hormones.json] [--app-env Name=value,...] [--keep-break-times] [--trace]
                  both replays start from the hormone file's values (written again before the warm one); with --shorten
                  below 1 the breakers' break times (and the cortex's bound on them) are scaled by it, unless --keep-break-times;
                  with --runs above 1 the paired cold − warm differences and their 95 % interval end the table; every run
                  writes runs/runN-cpu.md (CPU, run-queue wait and threads per process, first 10 s of each replay); --trace: every cell and sidecar
                  exports its spans to the lab, runs/runN-hops.md compares the first seconds' order traces hop by hop
          scale-bench  the arrival forecasters on the real traces (MASE, 80 % coverage) and the scaling policies (predictive,
                  reactive HPA, fixed) in the replica simulator: tables, results.json, plots (docs/scaling.md)
                  --traces docs/traces --out docs/benchmarks/scaling --seed 1 --epochs 25 --held-out-days 4 --cold-start 60
                  --mean-rate 30 --per-replica 10 --targets 0.5,0.6,0.7,0.8
                  --predictive-targets 0.5,0.6,0.7,0.8,0.9,1.0
          scale-live  predictive vs reactive HPA vs fixed scaling live: a fresh organism per policy replays a diurnal and a
                  bursty window of the traces in compressed time while the policy drives orders' replicas through the runner
                  --compress 30 --buckets 16 --peak-rate 30 --slots 5 --service-ms 500 --slo-ms 1500 --good-share 0.95
                  --max-replicas 6 --target 0.6 --predictive-target 0.7 --forecaster quantile-gru --seed 1 --seeds 1
                  --warmup 15 --out docs/benchmarks/scaling-live [--policies a,b] [--scenarios diurnal,bursty]
                  --start-priority normal (idle: new replicas at SCHED_IDLE until ready, the runner's --start-idle, every policy alike)
                  policy cortex: the cortex's own scaling loop decides (history and cold start seeded through its
                  PUT /scaling/orders/history); --cortex-observed-s 3 --cortex-grace-s 2 --cortex-train-timeout 900
                  --tail 0 (seconds after each window without load, unscored: replica changes still recorded)
          scale-probe  what one replica start does to the serving replicas: a fresh organism at steady load (--load of the
                  ready orders replicas' capacity), orders +1 at --scale-at; per second answers, p50/p99, CPU per process
                  --replicas 2 --load 0.6 --seconds 40 --scale-at 10 --modes normal,idle --out docs/benchmarks/scaling-probe
          evolve  the static-policy search as a Dapr workflow on the running cortex, watched with progress and ETA
                  (./biodapr evolve ...; see docs/workflows.md)
        """);
    return 2;
}
