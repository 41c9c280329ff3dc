package ai.cocos.runner.wasm.internal;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs real modules, built from {@code src/test/c} with clang, in real Chicory over real folders.
 */
class WasmRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long HEAP = Runtime.getRuntime().maxMemory();

  @TempDir Path dir;
  private Path datasets;
  private Path results;
  private WasmRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    datasets = Files.createDirectory(dir.resolve("datasets"));
    results = Files.createDirectory(dir.resolve("results"));
    Files.writeString(datasets.resolve("in.csv"), "x,y\n1,2\n3,4\n");
    runner = new WasmRunner(RunnerSettings.defaults(), HEAP);
  }

  @AfterEach
  void tearDown() {
    runner.deactivate();
  }

  @Test
  void typeIsWasmAndHostCheckFindsTheEmbeddedCompiler() throws Exception {
    assertEquals("wasm", runner.type());
    runner.checkHost();
  }

  @Test
  void hostCheckRefusesAMemoryLimitTheHeapCannotHold() {
    WasmRunner big =
        new WasmRunner(
            new RunnerSettings(RunnerSettings.pages(1024), 65536, Duration.ZERO, 1 << 20),
            512L * 1024 * 1024);
    try {
      RunnerUnavailableException e = assertThrows(RunnerUnavailableException.class, big::checkHost);
      assertEquals(
          "the 'wasm' runner's memory limit of 1024 MiB (AGENT_WASM_MAX_MEMORY_MB) does not fit in"
              + " the agent's JVM heap of 512 MiB: give the agent a heap of at least 1088 MiB (-Xmx"
              + " in JAVA_OPTS) or lower AGENT_WASM_MAX_MEMORY_MB",
          e.getMessage());
    } finally {
      big.deactivate();
    }
  }

  @Test
  void readsDatasetsWritesResultsWithItsArgumentsAndOnlyTheGivenEnvironment() throws Exception {
    RecordingSink sink = new RecordingSink();
    List<String> args = List.of("copy", "hello world", "$HOME", "a;b", "", "ünï");
    RunSpec spec = spec(probe(), args, Duration.ofSeconds(60), Map.of("SEED", "42"));

    RunResult result = await(runner.start(spec, sink));

    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result, sink.err::toString);
    assertEquals(
        List.of(
            "arg 0 [probe.wasm]",
            "arg 1 [copy]",
            "arg 2 [hello world]",
            "arg 3 [$HOME]",
            "arg 4 [a;b]",
            "arg 5 []",
            "arg 6 [ünï]",
            "env [SEED=42]",
            "copied 3 lines"),
        sink.out);
    assertEquals("x,y\n1,2\n3,4\nlines,3\n", Files.readString(results.resolve("copy.csv")));
    assertEquals("nested\n", Files.readString(results.resolve("sub/nested.txt")));
  }

  @Test
  void listsTheDatasetsFolder() throws Exception {
    Files.write(datasets.resolve("b.bin"), new byte[1234]);
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("list")), sink));

    assertTrue(result.succeeded(), result::toString);
    assertEquals(List.of("b.bin 1234", "in.csv 12"), sink.out.stream().sorted().toList());
  }

  @Test
  void everyWriteIntoTheDatasetsFolderFailsInsideTheModule() throws Exception {
    Files.writeString(results.resolve("mine.txt"), "mine");
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("write-datasets")), sink));

    assertTrue(result.succeeded(), result::toString);
    List<String> attempts = sink.out.stream().filter(l -> !l.startsWith("still reads")).toList();
    assertEquals(12, attempts.size(), sink.out::toString);
    for (String attempt : attempts) {
      assertFalse(attempt.endsWith("ALLOWED"), attempt);
    }
    assertTrue(sink.out.contains("still reads: x,y"), sink.out::toString);
    assertEquals("x,y\n1,2\n3,4\n", Files.readString(datasets.resolve("in.csv")));
    try (var files = Files.list(datasets)) {
      assertEquals(List.of(datasets.resolve("in.csv")), files.toList());
    }
    try (var files = Files.list(results)) {
      assertEquals(List.of(results.resolve("mine.txt")), files.toList());
    }
  }

  @Test
  void cannotReachAnyHostFileOutsideItsFolders() throws Exception {
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(outside.resolve("hostname"), "secret");
    Files.createSymbolicLink(results.resolve("planted"), outside);
    Files.createSymbolicLink(results.resolve("planted-file"), outside.resolve("hostname"));
    Files.createSymbolicLink(results.resolve("dangling"), outside.resolve("created"));
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("escape")), sink));

    assertTrue(result.succeeded(), result::toString);
    assertEquals(7, sink.out.size(), sink.out::toString);
    for (String attempt : sink.out) {
      assertFalse(attempt.endsWith("ALLOWED"), attempt);
    }
    assertFalse(Files.exists(outside.resolve("created")));
    assertFalse(Files.exists(results.resolve("mine"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void nonZeroExitFailsWithTheStatus() throws Exception {
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("exit", "3")), sink));

    assertEquals(new RunResult(Outcome.FAILED, 3, "algorithm exited with status 3"), result);
    assertEquals(List.of("bad input"), sink.err);
  }

  @Test
  void aTrapFailsWithItsMessageAndTheFunctionsItHappenedIn() throws Exception {
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("trap")), sink));

    assertEquals(Outcome.FAILED, result.outcome());
    assertEquals(-1, result.exitCode());
    // The function names come from the frames of Chicory's compiled code: the module ran as JVM
    // bytecode, not in the interpreter.
    assertTrue(
        result
            .reason()
            .startsWith(
                "algorithm trapped: Trapped on unreachable instruction (in trap_here <- main"),
        result.reason());
    assertEquals(List.of("before trap"), sink.out);
  }

  @Test
  void anOutOfBoundsAccessAndADivisionByZeroAreTraps() throws Exception {
    RunResult outside =
        await(runner.start(spec(probe(), List.of("out-of-bounds")), new RecordingSink()));
    assertEquals(Outcome.FAILED, outside.outcome());
    assertTrue(
        outside.reason().startsWith("algorithm trapped: out of bounds memory access")
            && outside
                .reason()
                .endsWith(
                    "(in main <- __main_void <- __original_main <- _start <-"
                        + " _start.command_export)"),
        outside.reason());

    RunResult divide = await(runner.start(spec(probe(), List.of("divide")), new RecordingSink()));
    assertEquals(Outcome.FAILED, divide.outcome());
    assertTrue(
        divide.reason().startsWith("algorithm trapped: integer divide by zero (in "),
        divide.reason());
  }

  @Test
  void runawayRecursionFailsAsAnExhaustedStack() throws Exception {
    RunResult result = await(runner.start(spec(probe(), List.of("recurse")), new RecordingSink()));

    assertEquals(Outcome.FAILED, result.outcome());
    assertTrue(
        result
            .reason()
            .startsWith(
                "algorithm trapped: call stack exhausted (the runner's stack of 16 MiB,"
                    + " AGENT_WASM_STACK_MB, bounds the call depth) (in recurse"),
        result.reason());
  }

  @Test
  void anInfiniteLoopIsEndedByTheTimeLimit() throws Exception {
    RecordingSink sink = new RecordingSink();
    long started = System.nanoTime();

    RunResult result =
        await(runner.start(spec(probe(), List.of("spin"), Duration.ofSeconds(2)), sink));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(
        new RunResult(Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of PT2S"), result);
    assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "took " + took);
    assertModuleThreadsEnd();
  }

  @Test
  void linesArriveWhileTheModuleRunsAndStopEndsItWithinSeconds() throws Exception {
    RecordingSink sink = new RecordingSink();

    Workload workload = runner.start(spec(probe(), List.of("spin"), Duration.ofMinutes(5)), sink);
    sink.await(Stream.STDOUT, "spinning"::equals, WAIT);
    sink.await(Stream.STDERR, "oops"::equals, WAIT);
    assertFalse(workload.result().toCompletableFuture().isDone(), "still running");

    long started = System.nanoTime();
    workload.stop();
    workload.stop(); // idempotent
    RunResult result = await(workload);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(new RunResult(Outcome.STOPPED, -1, "algorithm was stopped"), result);
    assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "took " + took);
    assertModuleThreadsEnd();
    workload.stop(); // after the end: no effect
    assertEquals(Outcome.STOPPED, await(workload).outcome());
  }

  @Test
  void stopEndsAModuleThatSleeps() throws Exception {
    RecordingSink sink = new RecordingSink();

    Workload workload = runner.start(spec(probe(), List.of("sleep"), Duration.ofMinutes(5)), sink);
    sink.await(Stream.STDOUT, "sleeping"::equals, WAIT);
    workload.stop();

    assertEquals(Outcome.STOPPED, await(workload).outcome());
    assertModuleThreadsEnd();
  }

  @Test
  void deliversLinesInOrderPerStream() throws Exception {
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("order")), sink));

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
  void splitsLinesLongerThanTheLimitAndDeliversALastLineWithoutNewline() throws Exception {
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(probe(), List.of("long-line")), sink));

    assertTrue(result.succeeded(), result::toString);
    assertEquals(
        List.of(65536, 65536, 65536, 3392, 3), sink.out.stream().map(String::length).toList());
    assertEquals("end", sink.out.get(4));

    RecordingSink last = new RecordingSink();
    assertTrue(await(runner.start(spec(probe(), List.of("no-newline")), last)).succeeded());
    assertEquals(List.of("last words"), last.out);
  }

  @Test
  void memoryCannotGrowBeyondTheLimit() throws Exception {
    WasmRunner small =
        new WasmRunner(
            new RunnerSettings(RunnerSettings.pages(32), 65536, Duration.ofSeconds(2), 16 << 20),
            HEAP);
    try {
      RecordingSink sink = new RecordingSink();

      RunResult result = await(small.start(spec(probe(), List.of("memory")), sink));

      assertTrue(result.succeeded(), () -> result + " " + sink.err);
      assertEquals(1, sink.out.size(), sink.out::toString);
      int mib = Integer.parseInt(sink.out.get(0).replaceAll("allocated (\\d+) MiB", "$1"));
      assertTrue(mib >= 24 && mib < 32, sink.out::toString);
    } finally {
      small.deactivate();
    }
  }

  @Test
  void aModuleNeedingMoreMemoryThanTheLimitFailsBeforeItRuns() throws Exception {
    RecordingSink sink = new RecordingSink();

    RunResult result = await(runner.start(spec(TestModules.module("big_memory"), List.of()), sink));

    assertEquals(
        new RunResult(
            Outcome.FAILED,
            -1,
            "algorithm needs 301 MiB of memory to start, more than the limit of 256 MiB"
                + " (AGENT_WASM_MAX_MEMORY_MB)"),
        result);
    assertEquals(List.of(), sink.out);
  }

  @Test
  void aModuleImportingAnythingButWasiFailsBeforeItRunsNamingTheImport() throws Exception {
    RecordingSink sink = new RecordingSink();

    RunResult result =
        await(runner.start(spec(TestModules.module("foreign_import"), List.of()), sink));

    assertEquals(
        new RunResult(
            Outcome.FAILED,
            -1,
            "algorithm imports env.host_secret (function), which the wasm runner does not"
                + " provide: a module may import only WASI preview 1 functions"
                + " (wasi_snapshot_preview1)"),
        result);
    assertEquals(List.of(), sink.out);
  }

  @Test
  void aModuleWithoutStartFailsNamingWhatToBuild() throws Exception {
    Path library = dir.resolve("library.wasm");
    Files.write(
        library,
        new byte[] {
          0x00,
          0x61,
          0x73,
          0x6d,
          0x01,
          0x00,
          0x00,
          0x00, // header
          0x01,
          0x05,
          0x01,
          0x60,
          0x00,
          0x01,
          0x7f, // () -> i32
          0x03,
          0x02,
          0x01,
          0x00, // one function
          0x07,
          0x07,
          0x01,
          0x03,
          'f',
          'o',
          'o',
          0x00,
          0x00, // export "foo"
          0x0a,
          0x06,
          0x01,
          0x04,
          0x00,
          0x41,
          0x01,
          0x0b // i32.const 1
        });

    RunResult result = await(runner.start(spec(library, List.of()), new RecordingSink()));

    assertEquals(
        new RunResult(
            Outcome.FAILED,
            -1,
            "algorithm exports no _start function: build it as a WASI command (a C program with"
                + " main(), clang --target=wasm32-wasi)"),
        result);
  }

  @Test
  void aFileThatIsNotAModuleFailsNamingWhy() throws Exception {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "print('hello')\n");

    RunResult result = await(runner.start(spec(text, List.of()), new RecordingSink()));

    assertEquals(Outcome.FAILED, result.outcome());
    assertTrue(
        result.reason().startsWith("algorithm is not a valid WebAssembly module: "),
        result.reason());
  }

  @Test
  void refusesToStartWithoutItsFiles() throws Exception {
    Path missing = dir.resolve("nope.wasm");
    RunnerException noAlgorithm =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(missing, List.of()), new RecordingSink()));
    assertEquals("algorithm file " + missing + " does not exist", noAlgorithm.getMessage());

    Path module = probe();
    Files.delete(datasets.resolve("in.csv"));
    Files.delete(datasets);
    RunnerException noDatasets =
        assertThrows(
            RunnerException.class,
            () -> runner.start(spec(module, List.of("list")), new RecordingSink()));
    assertEquals("datasets folder " + datasets + " does not exist", noDatasets.getMessage());
  }

  @Test
  void deactivationStopsEveryRunningModule() throws Exception {
    Workload first = runner.start(spec(probe(), List.of("spin"), Duration.ofMinutes(5)), noSink());
    Workload second = runner.start(spec(probe(), List.of("spin"), Duration.ofMinutes(5)), noSink());

    runner.deactivate();

    assertEquals(Outcome.STOPPED, await(first).outcome());
    assertEquals(Outcome.STOPPED, await(second).outcome());
    first.stop(); // after the runner is gone: no effect, no error
    RunnerUnavailableException e =
        assertThrows(
            RunnerUnavailableException.class,
            () -> runner.start(spec(probe(), List.of("list")), noSink()));
    assertEquals(
        "the 'wasm' runner is shutting down (bundle stopping or updating); retry the run",
        e.getMessage());
    assertModuleThreadsEnd();
  }

  private static Path probe() throws Exception {
    return TestModules.module("probe");
  }

  private RunSpec spec(Path module, List<String> args) {
    return spec(module, args, Duration.ofSeconds(60));
  }

  private RunSpec spec(Path module, List<String> args, Duration timeout) {
    return spec(module, args, timeout, Map.of());
  }

  private RunSpec spec(Path module, List<String> args, Duration timeout, Map<String, String> env) {
    return new RunSpec("c1", module, Optional.empty(), args, dir, datasets, results, timeout, env);
  }

  private static RecordingSink noSink() {
    return new RecordingSink();
  }

  private static RunResult await(Workload workload) throws Exception {
    return workload.result().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The threads that ran modules end, not only the results: nothing keeps burning CPU. */
  private static void assertModuleThreadsEnd() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      if (Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().startsWith("cocos-wasm-") && t.isAlive())) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("a module thread is still running");
  }
}
