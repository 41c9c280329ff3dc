package ai.cocos.api.runner;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/** A started workload. Returned by {@link WorkloadRunner#start}. */
@ProviderType
public interface Workload {
  /**
   * Completes once the workload has ended and all its output has reached the sink. Never completes
   * exceptionally: failures are a {@link RunResult} with a reason.
   *
   * @return the eventual result
   */
  CompletionStage<RunResult> result();

  /**
   * Ends the workload and everything it started, within seconds. Idempotent; the result then says
   * {@link RunResult.Outcome#STOPPED} unless the workload had already ended.
   */
  void stop();
}
