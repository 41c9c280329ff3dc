package ai.cocos.agent.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A runner whose workloads run until stopped: keeps a computation in Running for upload tests. */
final class HoldingRunner implements WorkloadRunner {
  final List<RunSpec> specs = new CopyOnWriteArrayList<>();

  @Override
  public String type() {
    return "bin";
  }

  @Override
  public void checkHost() {}

  @Override
  public Workload start(RunSpec spec, OutputSink output) {
    specs.add(spec);
    CompletableFuture<RunResult> result = new CompletableFuture<>();
    return new Workload() {
      @Override
      public CompletionStage<RunResult> result() {
        return result;
      }

      @Override
      public void stop() {
        result.complete(new RunResult(RunResult.Outcome.STOPPED, -1, "stopped"));
      }
    };
  }
}
