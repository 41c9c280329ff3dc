package ai.cocos.agent.internal;

import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;

/** Finds the runner for an algorithm type at run time ({@code PluginRegistry::runner}). */
@FunctionalInterface
interface RunnerLookup {
  /**
   * The runner serving a type now.
   *
   * @param type the manifest's algorithm type
   * @return the runner
   * @throws RunnerUnavailableException reading {@code runner 'x' is not installed (...)} or naming
   *     what the runner's host lacks
   */
  WorkloadRunner runner(String type) throws RunnerUnavailableException;
}
