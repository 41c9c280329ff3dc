package ai.cocos.runner.binary.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.OutputSink.Stream;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.IOException;
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
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs real processes. The "algorithms" are small shell scripts with a {@code #!} line, which the
 * kernel runs; the runner itself never involves a shell.
 */
class BinaryRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration GRACE = Duration.ofMillis(500);

  @TempDir Path dir;
  private BinaryRunner runner;
  private final List<Long> strays = new ArrayList<>();

  @BeforeEach
  void setUp() {
    runner = new BinaryRunner(new RunnerSettings(GRACE, 65536, "/usr/local/bin:/usr/bin:/bin"));
  }

  @AfterEach
  void tearDown() {
    runner.deactivate();
    strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void typeIsBinAndHostCheckPasses() throws Exception {
    assertEquals("bin", runner.type());
    runner.checkHost();
  }

  @Test
  void passesArgumentsVerbatimWithoutAShell() throws Exception {
    Path algo = script("args.sh", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done");
    List<String> args =
        List.of("hello world", "'single'", "\"double\"", "$HOME", "a;b", "`id`", "*", "", "x\ny");
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(algo, args, Duration.ofSeconds(30)), sink));

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result);
    assertEquals(
        List.of(
            "[hello world]",
            "['single']",
            "[\"double\"]",
            "[$HOME]",
            "[a;b]",
            "[`id`]",
            "[*]",
            "[]",
            "[x",
            "y]"),
        sink.out);
  }

  @Test
  void deliversLinesInOrderPerStream() throws Exception {
    Path algo =
        script(
            "order.sh",
            "i=1; while [ $i -le 500 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done");
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(algo, List.of(), Duration.ofSeconds(30)), sink));

    assertTrue(result.succeeded(), result::toString);
    List<String> out = new ArrayList<>();
    List<String> err = new ArrayList<>();
    for (int i = 1; i <= 500; i++) {
      out.add("out " + i);
      err.add("err " + i);
    }
    assertEquals(out, sink.out);
    assertEquals(err, sink.err);
  }

  @Test
  void deliversLinesWhileTheAlgorithmStillRuns() throws Exception {
    Path algo = script("slow.sh", "echo first\necho oops >&2\nsleep 30\necho never");
    RecordingSink sink = new RecordingSink();

    Workload workload = runner.start(spec(algo, List.of(), Duration.ofSeconds(60)), sink);
    sink.await(Stream.STDOUT, "first"::equals, Duration.ofSeconds(5));
    sink.await(Stream.STDERR, "oops"::equals, Duration.ofSeconds(5));

    assertFalse(workload.result().toCompletableFuture().isDone(), "still running");
    workload.stop();
    assertEquals(Outcome.STOPPED, await(workload).outcome());
  }

  @Test
  void nonZeroExitFailsWithTheStatus() throws Exception {
    Path algo = script("fail.sh", "echo bad input >&2\nexit 3");
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(algo, List.of(), Duration.ofSeconds(30)), sink));

    assertEquals(new RunResult(Outcome.FAILED, 3, "algorithm exited with status 3"), result);
    assertEquals(List.of("bad input"), sink.err);
  }

  @Test
  void deathBySignalNamesTheSignal() throws Exception {
    Path algo = script("crash.sh", "kill -SEGV $$");

    RunResult result = await(runner.start(spec(algo, List.of(), Duration.ofSeconds(30)), noSink()));

    assertEquals(Outcome.FAILED, result.outcome());
    assertEquals(139, result.exitCode());
    assertEquals("algorithm was killed by signal 11 (SIGSEGV), exit status 139", result.reason());
  }

  @Test
  void timeoutEndsTheWholeProcessTree() throws Exception {
    Path algo = script("hang.sh", "sleep 1000 &\necho \"child $!\"\nwait");
    RecordingSink sink = new RecordingSink();

    long started = System.nanoTime();
    Workload workload = runner.start(spec(algo, List.of(), Duration.ofSeconds(2)), sink);
    long child = childPid(sink);
    RunResult result = await(workload);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(
        new RunResult(Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of PT2S"), result);
    assertGone(child);
    assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "took " + took);
  }

  @Test
  void stopEndsTheWholeProcessTreeEvenWhenItIgnoresSigterm() throws Exception {
    Path algo = script("stubborn.sh", "trap '' TERM\nsleep 1000 &\necho \"child $!\"\nwait\nwait");
    RecordingSink sink = new RecordingSink();

    Workload workload = runner.start(spec(algo, List.of(), Duration.ofMinutes(5)), sink);
    long child = childPid(sink);
    long started = System.nanoTime();
    workload.stop();
    workload.stop(); // idempotent
    RunResult result = await(workload);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(new RunResult(Outcome.STOPPED, -1, "algorithm was stopped"), result);
    assertGone(child);
    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
    workload.stop(); // after the end: no effect
    assertEquals(Outcome.STOPPED, await(workload).outcome());
  }

  @Test
  void childrenLeftBehindAreEndedOnceTheAlgorithmExits() throws Exception {
    // One child keeps stdout open, one has its output elsewhere; both live long enough for the
    // runner to sample the tree.
    Path algo =
        script(
            "orphan.sh",
            "sleep 1000 &\necho \"child $!\"\nsleep 1000 >/dev/null 2>&1 &\necho \"child $!\"\n"
                + "sleep 2\necho done");
    RecordingSink sink = new RecordingSink();

    Workload workload = runner.start(spec(algo, List.of(), Duration.ofMinutes(5)), sink);
    RunResult result = await(workload);

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result);
    assertEquals("done", sink.out.get(sink.out.size() - 1));
    List<String> children = sink.out.stream().filter(l -> l.startsWith("child ")).toList();
    assertEquals(2, children.size(), children::toString);
    for (String child : children) {
      long pid = Long.parseLong(child.substring("child ".length()));
      strays.add(pid);
      assertGone(pid);
    }
  }

  @Test
  void resultCompletesEvenIfAnUnseenChildKeepsTheOutputOpen() throws Exception {
    // Exits at once: the child is re-parented before the runner ever sees it, so it cannot be
    // ended, but the result must not wait for it forever.
    Path algo = script("escape.sh", "sleep 1000 &\necho \"child $!\"");
    RecordingSink sink = new RecordingSink();

    Workload workload = runner.start(spec(algo, List.of(), Duration.ofMinutes(5)), sink);
    long child = childPid(sink);
    strays.add(child);
    RunResult result = workload.result().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result);
  }

  @Test
  void splitsLinesLongerThanTheLimit() throws Exception {
    Path algo = script("long.sh", "head -c 200000 /dev/zero | tr '\\0' x\necho\necho end");
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(algo, List.of(), Duration.ofSeconds(30)), sink));

    assertTrue(result.succeeded(), result::toString);
    assertEquals(5, sink.out.size(), () -> "lines: " + sink.out.size());
    assertEquals(
        List.of(65536, 65536, 65536, 3392),
        sink.out.subList(0, 4).stream().map(String::length).toList());
    assertTrue(sink.out.subList(0, 4).stream().allMatch(s -> s.chars().allMatch(c -> c == 'x')));
    assertEquals("end", sink.out.get(4));
  }

  @Test
  void environmentHoldsOnlyWhatTheRunnerSets() throws Exception {
    RecordingSink sink = new RecordingSink();
    RunSpec spec =
        new RunSpec(
            "c1",
            Path.of("/usr/bin/env"),
            Optional.empty(),
            List.of(),
            dir,
            dir.resolve("datasets"),
            dir.resolve("results"),
            Duration.ofSeconds(30),
            Map.of("SEED", "42"));

    RunResult result = await(runner.start(spec, sink));

    assertTrue(result.succeeded(), result::toString);
    assertEquals(
        new TreeSet<>(
            List.of(
                "HOME=" + dir.toAbsolutePath(),
                "LANG=C.UTF-8",
                "PATH=/usr/local/bin:/usr/bin:/bin",
                "SEED=42")),
        new TreeSet<>(sink.out));
  }

  @Test
  void runsInTheWorkingFolderAndMakesTheAlgorithmExecutable() throws Exception {
    Path algo = dir.resolve("plain.sh");
    Files.writeString(algo, "#!/bin/sh\npwd\n");
    Files.setPosixFilePermissions(algo, PosixFilePermissions.fromString("rw-------"));
    Path work = Files.createDirectory(dir.resolve("work"));
    RecordingSink sink = new RecordingSink();
    RunSpec spec =
        new RunSpec(
            "c1",
            algo,
            Optional.empty(),
            List.of(),
            work,
            work,
            work,
            Duration.ofSeconds(30),
            Map.of());

    RunResult result = await(runner.start(spec, sink));

    assertTrue(result.succeeded(), result::toString);
    assertEquals(List.of(work.toRealPath().toString()), sink.out);
    assertTrue(Files.isExecutable(algo));
  }

  @Test
  void refusesAMissingAlgorithm() {
    Path missing = dir.resolve("nope");

    RunnerException e =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(missing, List.of(), Duration.ofSeconds(5)), noSink()));

    assertEquals("algorithm file " + missing + " does not exist", e.getMessage());
  }

  @Test
  void refusesAFolder() {
    RunnerException e =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(dir, List.of(), Duration.ofSeconds(5)), noSink()));

    assertEquals("algorithm " + dir + " is not a regular file", e.getMessage());
  }

  @Test
  void refusesAFileTheKernelCannotExecuteInsteadOfHandingItToAShell() throws Exception {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "touch pwned\n");

    RunnerException e =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(text, List.of(), Duration.ofSeconds(5)), noSink()));

    assertTrue(e.getMessage().contains("exec format error"), e.getMessage());
    assertTrue(e.getMessage().contains(text.toString()), e.getMessage());
    assertFalse(Files.exists(dir.resolve("pwned")));
  }

  @Test
  void refusesAnElfForAnotherMachine() throws Exception {
    byte[] header = new byte[64];
    System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}, 0, header, 0, 7);
    header[16] = 2; // ET_EXEC
    header[18] = 8; // EM_MIPS
    Path elf = dir.resolve("mips.bin");
    Files.write(elf, header);

    RunnerException e =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(elf, List.of(), Duration.ofSeconds(5)), noSink()));

    assertTrue(
        e.getMessage().contains("exec format error (ELF executable for machine 8"), e.getMessage());
  }

  @Test
  void namesTheMissingInterpreter() throws Exception {
    Path algo = dir.resolve("bad.sh");
    Files.writeString(algo, "#!/nonexistent/python9\nprint(1)\n");

    RunnerException e =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(algo, List.of(), Duration.ofSeconds(5)), noSink()));

    assertEquals(
        "cannot start algorithm "
            + algo
            + ": error=2, No such file or directory (its #! line names /nonexistent/python9)",
        e.getMessage());
  }

  @Test
  void deactivationStopsRunningWorkloadsAndRefusesNewOnes() throws Exception {
    Path algo = script("long.sh", "sleep 1000 &\necho \"child $!\"\nwait");
    RecordingSink sink = new RecordingSink();
    Workload workload = runner.start(spec(algo, List.of(), Duration.ofMinutes(5)), sink);
    long child = childPid(sink);

    runner.deactivate();

    assertEquals(Outcome.STOPPED, await(workload).outcome());
    assertGone(child);
    assertThrows(
        RunnerUnavailableException.class,
        () -> runner.start(spec(algo, List.of(), Duration.ofSeconds(5)), noSink()));
  }

  private Path script(String name, String body) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }

  private RunSpec spec(Path algorithm, List<String> args, Duration timeout) {
    return new RunSpec(
        "c1",
        algorithm,
        Optional.empty(),
        args,
        dir,
        dir.resolve("datasets"),
        dir.resolve("results"),
        timeout,
        Map.of());
  }

  private static RecordingSink noSink() {
    return new RecordingSink();
  }

  private static RunResult await(Workload workload) throws Exception {
    return workload.result().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private long childPid(RecordingSink sink) throws InterruptedException {
    String line = sink.await(Stream.STDOUT, l -> l.startsWith("child "), Duration.ofSeconds(5));
    long pid = Long.parseLong(line.substring("child ".length()));
    strays.add(pid);
    return pid;
  }

  /**
   * Fails if the process still runs. Killed orphans are re-parented to init, which may reap them
   * late (here) or never (some containers); a zombie counts as gone.
   */
  private static void assertGone(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return;
    }
    String text;
    try {
      text = Files.readString(stat);
    } catch (NoSuchFileException e) {
      return;
    }
    char state = text.charAt(text.lastIndexOf(") ") + 2);
    assertTrue(state == 'Z' || state == 'X', "process " + pid + " is still running: " + text);
  }
}
