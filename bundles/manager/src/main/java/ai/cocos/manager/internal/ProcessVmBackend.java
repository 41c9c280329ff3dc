package ai.cocos.manager.internal;

import ai.cocos.manager.VmBackend;
import ai.cocos.manager.VmBackendException;
import ai.cocos.manager.VmExit;
import ai.cocos.manager.VmInstance;
import ai.cocos.manager.VmLaunch;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs each agent as a host process: the agent assembly's own launcher ({@code java <jvm.options>
 * -cp <assembly>/launcher/* ai.cocos.core.launch.Main --assembly <assembly> run}), as {@code
 * bin/cocos-agent} would start it, but with an environment of its own.
 *
 * <ul>
 *   <li>Environment: exactly {@link VmLaunch#environment()}, plus {@code AGENT_GRPC_HOST=127.0.0.1}
 *       and {@code AGENT_GRPC_PORT=<host port>} (no port forwarding here: the agent listens on the
 *       allocated port itself), plus {@code PATH}, {@code HOME}, {@code LANG} and {@code JAVA_HOME}
 *       from the manager's environment. Nothing else of the manager's environment, which may hold
 *       secrets, reaches the agent.
 *   <li>Files: working folder {@code <vm>/work}, {@code java.io.tmpdir} (and with it the agent's
 *       framework storage) {@code <vm>/tmp}, standard output and error appended to {@code
 *       <vm>/agent.log}. All of it is wiped with the VM. The process writes to the file directly,
 *       so it keeps running and logging while the manager restarts.
 *   <li>Stop: SIGTERM to the agent, which stops its framework; after the grace period SIGKILL to it
 *       and to every process it started (collected before the SIGTERM and again before the SIGKILL,
 *       as an orphan is no longer the agent's descendant).
 *   <li>Re-attach: by PID and the process's start time, so a PID reused by another program is never
 *       taken for the agent.
 * </ul>
 *
 * <p>No isolation and no TEE: for development, tests and hosts that are themselves confidential
 * VMs.
 */
final class ProcessVmBackend implements VmBackend {
  /** The backend's name. */
  static final String NAME = "process";

  /** What {@code CVMInfo} reports as the CPU model. */
  static final String CPU_TYPE = "host-process";

  /** The agent assembly's launcher class. */
  static final String LAUNCHER_MAIN = "ai.cocos.core.launch.Main";

  /** Variables of the manager's environment an agent process gets (nothing secret). */
  static final List<String> PASSED_THROUGH = List.of("PATH", "HOME", "LANG", "JAVA_HOME");

  /** How many lines of the agent's output {@link VmInstance#lastOutput()} returns. */
  static final int TAIL_LINES = 50;

  private static final int TAIL_BYTES = 16 * 1024;
  private static final Logger LOG = System.getLogger(ProcessVmBackend.class.getName());

  private final String agentAssembly;
  private final Path java;
  private final Map<String, String> hostEnvironment;

  /**
   * Creates the backend.
   *
   * @param agentAssembly the agent assembly folder ({@code agent-app/target/assembly}); empty if
   *     not configured, which makes every start fail saying so
   * @param java the {@code java} executable agents run on
   * @param hostEnvironment the manager's environment, of which only {@link #PASSED_THROUGH} is used
   */
  ProcessVmBackend(String agentAssembly, Path java, Map<String, String> hostEnvironment) {
    this.agentAssembly = agentAssembly.trim();
    this.java = java;
    this.hostEnvironment = Map.copyOf(hostEnvironment);
  }

  /**
   * The {@code java} executable of this JVM.
   *
   * @return {@code ${java.home}/bin/java}
   */
  static Path currentJava() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Optional<String> cpuType() {
    return Optional.of(CPU_TYPE);
  }

  @Override
  public VmInstance start(VmLaunch launch) throws VmBackendException {
    Path assembly = assembly();
    List<String> command = command(assembly, launch);
    try {
      Path work = SecureFiles.privateDir(launch.vmDir().resolve("work"));
      SecureFiles.privateDir(launch.vmDir().resolve("tmp"));
      Path log = launch.vmDir().resolve("agent.log");
      SecureFiles.writePrivate(log, new byte[0]);
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      env.clear();
      env.putAll(environment(launch));
      pb.directory(work.toFile());
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process process = pb.start();
      // The agent reads nothing from its standard input.
      process.getOutputStream().close();
      ProcessVm vm = new ProcessVm(process.toHandle(), process, log);
      LOG.log(
          Level.INFO,
          "started agent process {0} for CVM {1} on port {2}",
          Long.toString(process.pid()),
          launch.cvmId(),
          Integer.toString(launch.hostPort()));
      return vm;
    } catch (IOException e) {
      throw new VmBackendException(
          "cannot start the agent from " + assembly + " with " + java + ": " + e.getMessage(), e);
    }
  }

  /**
   * The agent's environment for a launch.
   *
   * @param launch the launch
   * @return what the process gets, nothing more
   */
  Map<String, String> environment(VmLaunch launch) {
    Map<String, String> env = new HashMap<>();
    for (String name : PASSED_THROUGH) {
      String value = hostEnvironment.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.putAll(launch.environment());
    env.put("AGENT_GRPC_HOST", "127.0.0.1");
    env.put("AGENT_GRPC_PORT", Integer.toString(launch.hostPort()));
    return env;
  }

  /**
   * The command line that starts the agent.
   *
   * @param assembly the agent assembly
   * @param launch the launch
   * @return {@code java}, the assembly's JVM options, the launcher
   * @throws VmBackendException if {@code jvm.options} cannot be read
   */
  List<String> command(Path assembly, VmLaunch launch) throws VmBackendException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.addAll(jvmOptions(assembly));
    // Last, so it wins over jvm.options: the agent's temporary files are wiped with the VM.
    cmd.add("-Djava.io.tmpdir=" + launch.vmDir().resolve("tmp"));
    cmd.add("-cp");
    cmd.add(assembly.resolve("launcher") + "/*");
    cmd.add(LAUNCHER_MAIN);
    cmd.add("--assembly");
    cmd.add(assembly.toString());
    cmd.add("run");
    return cmd;
  }

  /**
   * The configured agent assembly, checked.
   *
   * @return its absolute folder
   * @throws VmBackendException if none is configured or the folder is no assembly
   */
  Path assembly() throws VmBackendException {
    if (agentAssembly.isEmpty()) {
      throw new VmBackendException(
          "MANAGER_AGENT_ASSEMBLY is not set: point it at agent-app/target/assembly");
    }
    Path dir = Path.of(agentAssembly).toAbsolutePath().normalize();
    if (!Files.isRegularFile(dir.resolve("assembly.properties"))) {
      throw new VmBackendException(
          "MANAGER_AGENT_ASSEMBLY="
              + agentAssembly
              + " is not an agent assembly (no assembly.properties there): point it at"
              + " agent-app/target/assembly, built by mvn -B -pl agent-app -am package");
    }
    try (Stream<Path> s = Files.list(dir.resolve("launcher"))) {
      if (s.noneMatch(p -> p.getFileName().toString().endsWith(".jar"))) {
        throw new VmBackendException(
            "the agent assembly " + dir + " has no launcher jars in launcher/: rebuild it");
      }
    } catch (IOException e) {
      throw new VmBackendException(
          "the agent assembly " + dir + " has no launcher/ folder: rebuild it", e);
    }
    return dir;
  }

  /**
   * The assembly's JVM options: {@code jvm.options}, one per line, {@code #} comments, {@code
   * ${ASSEMBLY}} standing for the assembly folder. The same rules as the launcher's {@code
   * Assembly.jvmOptions()} and {@code bin/cocos-assembly} (repeated here: the launcher package is
   * private to the core bundle, and plugins do not depend on the core).
   */
  static List<String> jvmOptions(Path assembly) throws VmBackendException {
    Path file = assembly.resolve("jvm.options");
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    try {
      List<String> out = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int hash = line.indexOf('#');
        String opt = (hash < 0 ? line : line.substring(0, hash)).trim();
        if (!opt.isEmpty()) {
          out.add(opt.replace("${ASSEMBLY}", assembly.toString()));
        }
      }
      return out;
    } catch (IOException e) {
      throw new VmBackendException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<VmInstance> reattach(VmLaunch launch, Map<String, String> state) {
    long pid;
    try {
      pid = Long.parseLong(state.getOrDefault("pid", ""));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      return Optional.empty();
    }
    String recorded = state.getOrDefault("started", "");
    Optional<Instant> started = handle.get().info().startInstant();
    if (started.isEmpty() || !recorded.equals(Long.toString(started.get().toEpochMilli()))) {
      // Another program got the PID, or its start cannot be told: never take it for the agent.
      return Optional.empty();
    }
    return Optional.of(new ProcessVm(handle.get(), null, launch.vmDir().resolve("agent.log")));
  }

  /**
   * The last lines of a log file.
   *
   * @param log the file
   * @param lines how many
   * @return the lines, oldest first; none if the file is missing
   */
  static List<String> tail(Path log, int lines) {
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long length = f.length();
      int n = (int) Math.min(length, TAIL_BYTES);
      byte[] buf = new byte[n];
      f.seek(length - n);
      f.readFully(buf);
      List<String> all =
          new ArrayList<>(Arrays.asList(new String(buf, StandardCharsets.UTF_8).split("\r?\n")));
      if (n < length && !all.isEmpty()) {
        all.remove(0); // cut in the middle
      }
      while (!all.isEmpty() && all.get(all.size() - 1).isEmpty()) {
        all.remove(all.size() - 1);
      }
      return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** One agent process. */
  static final class ProcessVm implements VmInstance {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final ProcessHandle handle;
    private final Path log;
    private final Instant started;
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();

    ProcessVm(ProcessHandle handle, Process process, Path log) {
      this.handle = handle;
      this.log = log;
      this.started = handle.info().startInstant().orElse(null);
      CompletableFuture<?> ended = process != null ? process.onExit() : handle.onExit();
      ended.whenComplete(
          (x, t) -> {
            OptionalInt code = OptionalInt.empty();
            if (process != null) {
              try {
                code = OptionalInt.of(process.exitValue());
              } catch (IllegalThreadStateException e) {
                // not ended after all: cannot happen after onExit
              }
            }
            // Read the output now: the folder may be wiped right after.
            exit.complete(new VmExit(code, tail(log, TAIL_LINES)));
          });
    }

    @Override
    public String describe() {
      return "agent process " + handle.pid();
    }

    @Override
    public Map<String, String> state() {
      return started == null
          ? Map.of("pid", Long.toString(handle.pid()))
          : Map.of(
              "pid", Long.toString(handle.pid()), "started", Long.toString(started.toEpochMilli()));
    }

    @Override
    public boolean isAlive() {
      return handle.isAlive();
    }

    @Override
    public CompletionStage<VmExit> exit() {
      return exit.minimalCompletionStage();
    }

    @Override
    public List<String> lastOutput() {
      return tail(log, TAIL_LINES);
    }

    @Override
    public void stop(Duration grace) throws InterruptedException {
      Set<ProcessHandle> tree = new LinkedHashSet<>();
      if (handle.isAlive()) {
        handle.descendants().forEach(tree::add);
        handle.destroy();
        try {
          exit.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          LOG.log(
              Level.WARNING,
              "{0} did not end within {1} s of SIGTERM: killing it",
              describe(),
              Long.toString(grace.toSeconds()));
        } catch (ExecutionException e) {
          // never completes exceptionally
        } catch (InterruptedException e) {
          killAll(tree);
          throw e;
        }
      }
      killAll(tree);
      try {
        exit.get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        LOG.log(Level.ERROR, "{0} is still alive after SIGKILL", describe());
      }
    }

    private void killAll(Set<ProcessHandle> tree) {
      if (handle.isAlive()) {
        handle.descendants().forEach(tree::add);
        handle.destroyForcibly();
      }
      for (ProcessHandle p : tree) {
        if (p.isAlive()) {
          p.destroyForcibly();
        }
      }
    }
  }
}
