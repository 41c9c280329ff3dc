package ai.cocos.runner.python.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.api.runner.OutputSink.Stream;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs real Python: Debian's {@code /usr/bin/python3} with {@code venv} (installed by {@code
 * scripts/setup.d/40-python.sh}), real virtual environments, real pip installing wheels the test
 * writes itself into a wheelhouse, offline.
 */
class PythonRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration GRACE = Duration.ofMillis(500);

  @TempDir Path dir;
  private Path work;
  private final List<PythonRunner> runners = new ArrayList<>();
  private final List<Long> strays = new ArrayList<>();

  /** Without the interpreter: fail under CI (the project installs it), skip on a bare desk. */
  @BeforeAll
  static void requirePython() {
    try {
      new PythonRunner(PythonSettings.defaults()).checkHost();
    } catch (RunnerUnavailableException e) {
      if (System.getenv("CI") != null) {
        fail("CI is set but " + e.getMessage() + " (scripts/setup.d/40-python.sh installs it)");
      }
      Assumptions.assumeTrue(false, e.getMessage());
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    work = Files.createDirectories(dir.resolve("work"));
    Files.createDirectories(work.resolve("datasets"));
    Files.createDirectories(work.resolve("results"));
  }

  @AfterEach
  void tearDown() {
    runners.forEach(PythonRunner::deactivate);
    strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void typeIsPythonAndTheHostCheckPasses() throws Exception {
    PythonRunner runner = runner(settings());
    assertEquals("python", runner.type());
    runner.checkHost();
  }

  @Test
  void runsTheScriptInAFreshEnvironmentWithDatasetsResultsAndArguments() throws Exception {
    Files.writeString(work.resolve("datasets/numbers.csv"), "1\n2\n3\n");
    Path algo =
        algorithm(
            "import os, sys, json",
            "total = sum(int(l) for l in open('datasets/numbers.csv'))",
            "open('results/sum.txt', 'w').write(str(total))",
            "print('args', json.dumps(sys.argv[1:]))",
            "print('prefix', sys.prefix)",
            "print('venv', os.environ['VIRTUAL_ENV'] == sys.prefix)",
            "print('env', ','.join(sorted(os.environ)))",
            "print('cwd', os.getcwd())");
    RecordingSink sink = new RecordingSink();

    RunResult result =
        await(
            runner(settings())
                .start(
                    spec(algo, List.of("a b", "$HOME", "; rm -rf /", ""), Map.of("SEED", "42")),
                    sink));

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result);
    assertEquals("6", Files.readString(work.resolve("results/sum.txt")));
    assertEquals(
        List.of(
            "args [\"a b\", \"$HOME\", \"; rm -rf /\", \"\"]",
            "prefix " + work.resolve(".venv"),
            "venv True",
            "env HOME,LANG,PATH,PYTHONUNBUFFERED,SEED,VIRTUAL_ENV",
            "cwd " + work.toRealPath()),
        sink.out.stream().filter(l -> !l.startsWith("[setup]")).toList());
    assertFalse(Files.exists(work.resolve(".venv")), "the environment is removed afterwards");
  }

  @Test
  void nonZeroExitFailsWithTheStatusAndTheTracebackReachesStderr() throws Exception {
    Path algo = algorithm("import sys", "print('bad input', file=sys.stderr)", "sys.exit(3)");
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner(settings()).start(spec(algo), sink));

    assertEquals(new RunResult(Outcome.FAILED, 3, "algorithm exited with status 3"), result);
    assertEquals(List.of("bad input"), sink.err);

    RecordingSink crash = new RecordingSink();
    RunResult raised =
        await(runner(settings()).start(spec(algorithm("raise ValueError('no rows')")), crash));
    assertEquals(new RunResult(Outcome.FAILED, 1, "algorithm exited with status 1"), raised);
    assertEquals("ValueError: no rows", crash.err.get(crash.err.size() - 1));
  }

  @Test
  void outputStreamsWhileRunningAndStopEndsTheWholeTree() throws Exception {
    Path algo =
        algorithm(
            "import subprocess, sys, time",
            "child = subprocess.Popen(['sleep', '1000'])",
            "print('child', child.pid)",
            "print('working', file=sys.stderr)",
            "time.sleep(1000)");
    RecordingSink sink = new RecordingSink();

    Workload workload = runner(settings()).start(spec(algo), sink);
    long child = childPid(sink);
    sink.await(Stream.STDERR, "working"::equals, Duration.ofSeconds(20));
    assertFalse(workload.result().toCompletableFuture().isDone(), "still running");
    long stopped = System.nanoTime();
    workload.stop();
    workload.stop();
    RunResult result = await(workload);

    assertEquals(new RunResult(Outcome.STOPPED, -1, "algorithm was stopped"), result);
    assertGone(child);
    assertTrue(System.nanoTime() - stopped < Duration.ofSeconds(5).toNanos());
    assertFalse(Files.exists(work.resolve(".venv")));
  }

  @Test
  void timeoutEndsTheTreeAndNamesTheLimit() throws Exception {
    Path algo =
        algorithm(
            "import subprocess, signal, time",
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
            "child = subprocess.Popen(['sleep', '1000'])",
            "print('child', child.pid)",
            "time.sleep(1000)");
    RecordingSink sink = new RecordingSink();
    RunSpec spec = spec(algo, List.of(), Map.of(), Duration.ofSeconds(3), Optional.empty());

    Workload workload = runner(settings()).start(spec, sink);
    long child = childPid(sink);
    RunResult result = await(workload);

    assertEquals(
        new RunResult(Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of PT3S"), result);
    assertGone(child);
  }

  @Test
  void installsRequirementsFromTheWheelhouseOffline() throws Exception {
    Path wheelhouse = Files.createDirectories(dir.resolve("wheels"));
    Path wheel =
        Wheels.write(
            wheelhouse, "cocoshello", "1.0", "GREETING = 'hello from a wheel'\n", List.of());
    Path requirements =
        requirements(
            "# pinned by hash",
            "cocoshello==1.0 \\",
            "    --hash=sha256:" + Wheels.sha256Hex(wheel));
    Path algo = algorithm("import cocoshello", "print(cocoshello.GREETING)");
    RecordingSink sink = new RecordingSink();
    PythonSettings settings = settings(Optional.empty(), Optional.of(wheelhouse), false, true);

    RunResult result =
        await(
            runner(settings)
                .start(spec(algo, List.of(), Map.of(), WAIT, Optional.of(requirements)), sink));

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result, () -> sink.out + "\n" + sink.err);
    assertEquals("hello from a wheel", sink.out.get(sink.out.size() - 1));
    assertTrue(
        sink.out.contains("[setup] Successfully installed cocoshello-1.0"), sink.out::toString);
    assertFalse(Files.exists(work.resolve(".venv")));
  }

  @Test
  void withoutPipOnTheInterpreterTheEnvironmentGetsItsOwn() throws Exception {
    // A real interpreter whose pip cannot be imported: the runner falls back to ensurepip.
    Path site = Files.createDirectories(dir.resolve("site"));
    Files.writeString(site.resolve("pip.py"), "raise ImportError('no pip here')\n");
    Path wrapper =
        executable(
            "python3-nopip", "#!/bin/sh\nPYTHONPATH=" + site + " exec /usr/bin/python3 \"$@\"\n");
    Path wheelhouse = Files.createDirectories(dir.resolve("wheels"));
    Wheels.write(wheelhouse, "cocoshello", "1.0", "GREETING = 'own pip'\n", List.of());
    PythonSettings base = settings(Optional.empty(), Optional.of(wheelhouse), false, true);
    PythonSettings settings =
        new PythonSettings(
            wrapper,
            false,
            Optional.empty(),
            Optional.of(wheelhouse),
            true,
            false,
            base.killGrace(),
            base.maxLineBytes(),
            base.path());
    Path algo = algorithm("import cocoshello", "print(cocoshello.GREETING)");
    RecordingSink sink = new RecordingSink();

    RunResult result =
        await(
            runner(settings)
                .start(
                    spec(algo, List.of(), Map.of(), WAIT, Optional.of(requirements("cocoshello"))),
                    sink));

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result, () -> sink.out + "\n" + sink.err);
    assertEquals("own pip", sink.out.get(sink.out.size() - 1));
  }

  @Test
  void aRequirementMissingFromTheWheelhouseIsNamed() throws Exception {
    Path wheelhouse = Files.createDirectories(dir.resolve("wheels"));
    Wheels.write(wheelhouse, "cocosneeds", "1.0", "", List.of("cocosabsent>=2"));
    Path algo = algorithm("print('never runs')");
    RecordingSink sink = new RecordingSink();
    PythonSettings settings = settings(Optional.empty(), Optional.of(wheelhouse), false, true);

    RunResult result =
        await(
            runner(settings)
                .start(
                    spec(algo, List.of(), Map.of(), WAIT, Optional.of(requirements("cocosneeds"))),
                    sink));

    assertEquals(Outcome.FAILED, result.outcome());
    assertEquals(
        "requirement 'cocosabsent>=2' cannot be resolved: no matching wheel in the wheelhouse "
            + wheelhouse
            + " (AGENT_PYTHON_WHEELHOUSE)",
        result.reason());
    assertFalse(sink.out.contains("never runs"));
    assertTrue(sink.err.stream().allMatch(l -> l.startsWith("[setup] ")), sink.err::toString);
  }

  @Test
  void withoutAnyPackageSourceARequirementFailsNamedAndNothingIsFetched() throws Exception {
    Path algo = algorithm("print('never runs')");

    RunResult result =
        await(
            runner(settings())
                .start(
                    spec(
                        algo,
                        List.of(),
                        Map.of(),
                        WAIT,
                        Optional.of(requirements("requests==2.31.0"))),
                    new RecordingSink()));

    assertEquals(
        new RunResult(
            Outcome.FAILED,
            1,
            "requirement 'requests==2.31.0' cannot be resolved: no package source is configured on"
                + " this agent (set AGENT_PYTHON_WHEELHOUSE to a folder of wheels or"
                + " AGENT_PYTHON_INDEX_URL to a package index, or AGENT_PYTHON_SYSTEM_PACKAGES=true)"),
        result);
  }

  @Test
  void aRequirementsFileCannotNameItsOwnPackageSource() throws Exception {
    Path algo = algorithm("print('never runs')");
    Path requirements = requirements("numpy", "--extra-index-url https://evil.example/simple");

    RunnerException e =
        assertThrows(
            RunnerException.class,
            () ->
                runner(settings())
                    .start(
                        spec(algo, List.of(), Map.of(), WAIT, Optional.of(requirements)),
                        new RecordingSink()));

    assertEquals(
        "requirements file line 2: option '--extra-index-url' is not allowed: package sources and"
            + " install options are set by the agent's operator (AGENT_PYTHON_INDEX_URL,"
            + " AGENT_PYTHON_WHEELHOUSE)",
        e.getMessage());
    assertFalse(Files.exists(work.resolve(".venv")), "nothing was started");
  }

  @Test
  void stopEndsPipWhileItWaitsForAnIndex() throws Exception {
    // An index that accepts connections and never answers: pip waits on it until stopped.
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(silent.accept());
                  }
                } catch (IOException e) {
                  // closed
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      URI index = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/simple/");
      Path algo = algorithm("print('never runs')");
      RecordingSink sink = new RecordingSink();
      PythonRunner runner = runner(settings(Optional.of(index), Optional.empty(), false, true));

      Workload workload =
          runner.start(
              spec(algo, List.of(), Map.of(), WAIT, Optional.of(requirements("cocosslow"))), sink);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (accepted.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(accepted.isEmpty(), "pip never contacted the index: " + sink.out + sink.err);
      // pip and the interpreter it re-executes into (pip --python): everything this test started.
      List<ProcessHandle> pip = ProcessHandle.current().descendants().toList();
      assertTrue(
          pip.stream().anyMatch(p -> p.info().commandLine().orElse("").contains(" pip ")),
          pip::toString);
      long stopped = System.nanoTime();
      workload.stop();
      RunResult result = await(workload);

      assertEquals(
          new RunResult(
              Outcome.STOPPED, -1, "algorithm was stopped while installing its requirements"),
          result);
      assertTrue(System.nanoTime() - stopped < Duration.ofSeconds(5).toNanos());
      for (ProcessHandle p : pip) {
        assertGone(p.pid());
      }
      assertFalse(sink.out.contains("never runs"));
      assertFalse(Files.exists(work.resolve(".venv")));
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void theTimeLimitCoversTheSetUp() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // Accepts nothing: pip's connection waits in the backlog until the limit ends the run.
      URI index = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/simple/");
      Path algo = algorithm("print('never runs')");
      RecordingSink sink = new RecordingSink();
      PythonRunner runner = runner(settings(Optional.of(index), Optional.empty(), false, true));
      RunSpec spec =
          spec(
              algo,
              List.of(),
              Map.of(),
              Duration.ofSeconds(4),
              Optional.of(requirements("cocosslow")));

      RunResult result = await(runner.start(spec, sink));

      assertEquals(
          new RunResult(
              Outcome.TIMED_OUT,
              -1,
              "algorithm exceeded its time limit of PT4S while installing its requirements"),
          result);
      assertFalse(sink.out.contains("never runs"));
      assertFalse(Files.exists(work.resolve(".venv")));
    }
  }

  @Test
  void checkHostNamesAMissingInterpreterAndWhatToInstall() {
    Path missing = dir.resolve("python9");
    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, () -> runner(settings(missing)).checkHost());
    assertEquals(
        "the 'python' runner needs a Python 3 interpreter at "
            + missing
            + " (AGENT_PYTHON_INTERPRETER), which does not exist: install Debian's python3 and"
            + " python3-venv (apt-get install python3 python3-venv) or set AGENT_PYTHON_INTERPRETER"
            + " to a Python 3 interpreter",
        e.getMessage());
    assertThrows(
        RunnerUnavailableException.class,
        () -> runner(settings(missing)).start(spec(dir.resolve("x")), new RecordingSink()));
  }

  @Test
  void checkHostNamesPython3VenvWhenEnsurepipIsMissing() throws Exception {
    // A real interpreter whose ensurepip cannot be imported, as on Debian without python3-venv.
    Path site = Files.createDirectories(dir.resolve("site"));
    Files.writeString(site.resolve("ensurepip.py"), "raise ImportError('not installed')\n");
    Path wrapper =
        executable(
            "python3-novenv", "#!/bin/sh\nPYTHONPATH=" + site + " exec /usr/bin/python3 \"$@\"\n");

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, () -> runner(settings(wrapper)).checkHost());

    assertEquals(
        "the 'python' runner's interpreter "
            + wrapper
            + " lacks the module(s) ensurepip needed to create virtual environments: install"
            + " python3-venv (apt-get install python3-venv) or set AGENT_PYTHON_INTERPRETER to an"
            + " interpreter that has them",
        e.getMessage());
  }

  @Test
  void checkHostRefusesSomethingThatIsNotPython() throws Exception {
    Path fake = executable("python3", "#!/bin/sh\necho 'Python 2.7.18'\n");

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, () -> runner(settings(fake)).checkHost());

    assertTrue(
        e.getMessage()
            .startsWith(
                "the 'python' runner's interpreter "
                    + fake
                    + " did not answer as a Python 3 interpreter (it said: Python 2.7.18)"),
        e.getMessage());
  }

  @Test
  void checkHostNamesAMissingWheelhouse() {
    Path none = dir.resolve("no-wheels");
    RunnerUnavailableException e =
        assertThrows(
            RunnerUnavailableException.class,
            () -> runner(settings(Optional.empty(), Optional.of(none), false, true)).checkHost());
    assertEquals(
        "the 'python' runner's wheelhouse "
            + none
            + " (AGENT_PYTHON_WHEELHOUSE) is not a readable"
            + " folder",
        e.getMessage());
  }

  @Test
  void deactivationStopsRunningWorkloadsAndRefusesNewOnes() throws Exception {
    Path algo =
        algorithm(
            "import subprocess, time",
            "child = subprocess.Popen(['sleep', '1000'])",
            "print('child', child.pid)",
            "time.sleep(1000)");
    RecordingSink sink = new RecordingSink();
    PythonRunner runner = runner(settings());
    Workload workload = runner.start(spec(algo), sink);
    long child = childPid(sink);

    runner.deactivate();

    assertEquals(Outcome.STOPPED, await(workload).outcome());
    assertGone(child);
    assertThrows(
        RunnerUnavailableException.class, () -> runner.start(spec(algo), new RecordingSink()));
  }

  // ---------------------------------------------------------------------------------------------

  private PythonRunner runner(PythonSettings settings) {
    PythonRunner runner = new PythonRunner(settings);
    runners.add(runner);
    return runner;
  }

  private static PythonSettings settings() {
    return settings(Optional.empty(), Optional.empty(), false, true);
  }

  private static PythonSettings settings(Path interpreter) {
    PythonSettings d = settings();
    return new PythonSettings(
        interpreter,
        d.systemSitePackages(),
        d.indexUrl(),
        d.wheelhouse(),
        d.onlyBinary(),
        d.requireHashes(),
        d.killGrace(),
        d.maxLineBytes(),
        d.path());
  }

  private static PythonSettings settings(
      Optional<URI> index, Optional<Path> wheelhouse, boolean system, boolean onlyBinary) {
    return new PythonSettings(
        Path.of("/usr/bin/python3"),
        system,
        index,
        wheelhouse,
        onlyBinary,
        false,
        GRACE,
        65536,
        "/usr/local/bin:/usr/bin:/bin");
  }

  private Path algorithm(String... lines) throws IOException {
    Path algo = work.resolve("algo");
    Files.writeString(algo, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return algo;
  }

  private Path requirements(String... lines) throws IOException {
    Path file = work.resolve("requirements.txt");
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return file;
  }

  private Path executable(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }

  private RunSpec spec(Path algorithm) {
    return spec(algorithm, List.of(), Map.of());
  }

  private RunSpec spec(Path algorithm, List<String> args, Map<String, String> env) {
    return spec(algorithm, args, env, WAIT, Optional.empty());
  }

  private RunSpec spec(
      Path algorithm,
      List<String> args,
      Map<String, String> env,
      Duration timeout,
      Optional<Path> requirements) {
    return new RunSpec(
        "c1",
        algorithm,
        requirements,
        args,
        work,
        work.resolve("datasets"),
        work.resolve("results"),
        timeout,
        env);
  }

  private static RunResult await(Workload workload) throws Exception {
    return workload.result().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private long childPid(RecordingSink sink) throws InterruptedException {
    String line = sink.await(Stream.STDOUT, l -> l.startsWith("child "), Duration.ofSeconds(20));
    long pid = Long.parseLong(line.substring("child ".length()));
    strays.add(pid);
    return pid;
  }

  /** A zombie (killed orphan not yet reaped by init) counts as gone. */
  private static void assertGone(long pid) throws IOException {
    String text;
    try {
      text = Files.readString(Path.of("/proc/" + pid + "/stat"));
    } catch (NoSuchFileException e) {
      return;
    }
    char state = text.charAt(text.lastIndexOf(") ") + 2);
    assertTrue(state == 'Z' || state == 'X', "process " + pid + " is still running: " + text);
  }
}
