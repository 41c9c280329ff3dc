package ai.cocos.runner.docker.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container-creation request ({@code POST /containers/create} body) for one run: CocosAI's
 * layout ({@code /cocos} with {@code datasets/} and {@code results/}), and the isolation the
 * settings ask for.
 */
final class ContainerSpec {
  /** The working folder inside the container (CocosAI's). */
  static final String WORK_DIR = "/cocos";

  /** Where the datasets appear, read-only (CocosAI's path). */
  static final String DATASETS = "/cocos/datasets";

  /** Where the results are written (CocosAI's path). */
  static final String RESULTS = "/cocos/results";

  /** Label marking containers this runner created. */
  static final String RUNNER_LABEL = "ai.cocos.runner";

  /** Label carrying the computation's ID. */
  static final String COMPUTATION_LABEL = "ai.cocos.computation";

  private ContainerSpec() {}

  /**
   * What the container runs, as {@code docker run IMAGE args...} would, with one difference: an
   * image that has only a {@code CMD} keeps it as its program and the arguments follow it (a
   * CocosAI algorithm image is usually {@code CMD ["python3", "/cocos/algo.py"]}), instead of the
   * arguments replacing the program.
   *
   * <ul>
   *   <li>no arguments: the image's {@code ENTRYPOINT} and {@code CMD} as they are;
   *   <li>the image has an {@code ENTRYPOINT}: the arguments replace its {@code CMD} (its default
   *       arguments), exactly like {@code docker run};
   *   <li>the image has only a {@code CMD}: the arguments are appended to it;
   *   <li>the image has neither: the arguments are the command.
   * </ul>
   *
   * @param entrypoint the image's {@code Config.Entrypoint} (may be empty)
   * @param cmd the image's {@code Config.Cmd} (may be empty)
   * @param args the manifest's arguments
   * @return the {@code Cmd} to create the container with, or {@code null} to keep the image's
   */
  static List<String> command(List<String> entrypoint, List<String> cmd, List<String> args) {
    if (args.isEmpty()) {
      return null;
    }
    if (!entrypoint.isEmpty() || cmd.isEmpty()) {
      return List.copyOf(args);
    }
    List<String> all = new ArrayList<>(cmd);
    all.addAll(args);
    return List.copyOf(all);
  }

  /**
   * Builds the creation request.
   *
   * @param imageId the image to run, by ID
   * @param command the {@code Cmd}, or {@code null} for the image's
   * @param env the environment, {@code NAME=value} (added to the image's)
   * @param user the user, or empty for the image's
   * @param datasets the host folder mounted read-only at {@link #DATASETS}
   * @param results the host folder mounted read-write at {@link #RESULTS}
   * @param computationId the computation, as a label
   * @param settings the runner's settings (network, limits)
   * @return the request body
   */
  static Map<String, Object> build(
      String imageId,
      List<String> command,
      List<String> env,
      String user,
      Path datasets,
      Path results,
      String computationId,
      DockerSettings settings) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("Image", imageId);
    if (command != null) {
      spec.put("Cmd", command);
    }
    spec.put("Env", env);
    spec.put("WorkingDir", WORK_DIR);
    if (!user.isEmpty()) {
      spec.put("User", user);
    }
    // No TTY: stdout and stderr arrive separately, framed (StreamFrames). No stdin.
    spec.put("Tty", false);
    spec.put("OpenStdin", false);
    spec.put("AttachStdin", false);
    spec.put("AttachStdout", true);
    spec.put("AttachStderr", true);
    spec.put("NetworkDisabled", settings.network().equals("none"));
    spec.put("Labels", Map.of(RUNNER_LABEL, DockerRunner.TYPE, COMPUTATION_LABEL, computationId));

    Map<String, Object> host = new LinkedHashMap<>();
    host.put("Mounts", List.of(bind(datasets, DATASETS, true), bind(results, RESULTS, false)));
    host.put("NetworkMode", settings.network());
    host.put("Privileged", false);
    host.put("CapDrop", List.of("ALL"));
    host.put("SecurityOpt", List.of("no-new-privileges"));
    host.put("IpcMode", "private");
    host.put("ReadonlyRootfs", settings.readOnlyRootfs());
    host.put("Init", settings.init());
    if (settings.memoryBytes() > 0) {
      host.put("Memory", settings.memoryBytes());
      host.put("MemorySwap", settings.memoryBytes()); // equal to Memory: no swap on top
    }
    if (settings.nanoCpus() > 0) {
      host.put("NanoCpus", settings.nanoCpus());
    }
    if (settings.pidsLimit() > 0) {
      host.put("PidsLimit", settings.pidsLimit());
    }
    // The runner reads the output as it is produced; an engine-side log would be a second copy
    // of possibly confidential output on the guest's disk.
    host.put("LogConfig", Map.of("Type", "none", "Config", Map.of()));
    host.put("RestartPolicy", Map.of("Name", "no"));
    host.put("AutoRemove", false);
    spec.put("HostConfig", host);
    return spec;
  }

  private static Map<String, Object> bind(Path source, String target, boolean readOnly) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Type", "bind");
    m.put("Source", source.toString());
    m.put("Target", target);
    m.put("ReadOnly", readOnly);
    return m;
  }
}
