package ai.cocos.agent.internal;

import static ai.cocos.agent.internal.TestSupport.ALGO_KEY;
import static ai.cocos.agent.internal.TestSupport.CONSUMER_1;
import static ai.cocos.agent.internal.TestSupport.CONSUMER_2;
import static ai.cocos.agent.internal.TestSupport.DATA_A;
import static ai.cocos.agent.internal.TestSupport.DATA_A_KEY;
import static ai.cocos.agent.internal.TestSupport.DATA_B;
import static ai.cocos.agent.internal.TestSupport.DATA_B_KEY;
import static ai.cocos.agent.internal.TestSupport.STRANGER;
import static ai.cocos.agent.internal.TestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.Authorization;
import ai.cocos.agent.Operation;
import ai.cocos.agent.ResultDownload;
import ai.cocos.agent.State;
import ai.cocos.agent.Upload;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole computations with a real process: run, results to consumers only, failure, wipe, stop. */
class RunTest {
  static final byte[] JOIN =
      utf8(
          "#!/bin/sh\n"
              + "echo \"starting with $1\"\n"
              + "echo \"careful: $2\" >&2\n"
              + "cat datasets/a.csv datasets/b.csv > results/joined.csv\n"
              + "mkdir -p results/sub\n"
              + "printf done > results/sub/status.txt\n");

  @TempDir Path tmp;
  final TestSupport.MutableClock clock = new TestSupport.MutableClock();
  final ProcessRunner runner = new ProcessRunner();
  final TestSupport.Recorder recorder = new TestSupport.Recorder();
  TestSupport.Settings settings;
  RunnerLookup lookup = type -> runner;
  AgentRuntime agent;

  @BeforeEach
  void setUp() {
    settings = new TestSupport.Settings(tmp.resolve("work"));
  }

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.deactivate();
    }
  }

  AgentRuntime agent() {
    if (agent == null) {
      agent = new AgentRuntime(settings.build(), lookup, clock, DiskSpace.FILE_STORE);
      agent.subscribe(recorder);
    }
    return agent;
  }

  Manifest manifest(byte[] algorithm, List<String> args) {
    return TestSupport.manifest(
        TestSupport.newId(),
        algorithm,
        args,
        List.of(
            TestSupport.dataset("a.csv", DATA_A, DATA_A_KEY, false),
            TestSupport.dataset("b.csv", DATA_B, DATA_B_KEY, false)));
  }

  Authorization auth(Computation c, Operation op, KeyPair key) throws AgentException {
    return c.authorize(op, TestSupport.signed(c.manifest(), op, key, clock));
  }

  /** Starts a computation and uploads everything; the run then starts. */
  Computation runToStart(byte[] algorithm, List<String> args) throws Exception {
    Computation c = (Computation) agent().start(manifest(algorithm, args));
    AlgorithmUpload a =
        c.beginAlgorithm(auth(c, Operation.algo(), ALGO_KEY), Optional.empty(), Optional.empty());
    a.write(algorithm);
    a.commit();
    for (Object[] d :
        new Object[][] {{"a.csv", DATA_A_KEY, DATA_A}, {"b.csv", DATA_B_KEY, DATA_B}}) {
      Upload u =
          c.beginDataset(
              auth(c, Operation.data((String) d[0]), (KeyPair) d[1]), (String) d[0], false);
      u.write((byte[]) d[2]);
      u.commit();
    }
    return c;
  }

  ResultDownload open(Computation c, KeyPair consumer) throws AgentException {
    return c.openResult(auth(c, Operation.result(), consumer));
  }

  static byte[] readAll(ResultDownload d) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[1024 * 1024];
    InputStream in = d.stream();
    for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }

  static Map<String, String> unzip(byte[] zip) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
        files.put(
            e.getName(), new String(z.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return files;
  }

  @Test
  void aRunsResultsGoToConsumersOnlyAndAreWipedOnceEveryoneHasThem() throws Exception {
    Computation c = runToStart(JOIN, List.of("alpha", "beta"));
    AgentEvent ready = recorder.await("ConsumingResults", "Ready");
    assertEquals(State.ConsumingResults, c.state());
    assertTrue(ready.details().contains("\"sha3_256\":\""), ready.details());

    // Output: stdout as a DEBUG log, stderr as an ERROR log and an AlgorithmRun event.
    assertTrue(
        recorder.logs.stream()
            .anyMatch(l -> l.level().equals("DEBUG") && l.message().equals("starting with alpha")));
    AgentEvent warning = recorder.await("AlgorithmRun", "Warning");
    assertEquals(AgentEvent.RUNNER, warning.originator());
    assertEquals("{\"line\":\"careful: beta\"}", warning.details());
    List<String> kinds = recorder.kinds();
    assertTrue(
        kinds.indexOf("Running/Starting") < kinds.indexOf("Running/InProgress")
            && kinds.indexOf("Running/InProgress") < kinds.indexOf("Running/Completed")
            && kinds.indexOf("Running/Completed") < kinds.indexOf("ConsumingResults/Ready"),
        kinds.toString());

    // The inputs are wiped as soon as the zip is written.
    Workspace w = c.workspace();
    assertFalse(Files.exists(w.algorithm()));
    assertFalse(Files.exists(w.datasets()));
    assertFalse(Files.exists(w.results()));
    assertTrue(Files.isRegularFile(w.resultZip()));

    // Only consumers.
    AgentException e =
        assertThrows(AgentException.class, () -> auth(c, Operation.result(), ALGO_KEY));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    e = assertThrows(AgentException.class, () -> auth(c, Operation.result(), STRANGER));
    assertEquals(Kind.UNAUTHENTICATED, e.kind());

    ResultDownload first = open(c, CONSUMER_1);
    assertEquals(0, first.consumerIndex());
    assertEquals(Files.size(w.resultZip()), first.size());
    byte[] zip = readAll(first);
    assertEquals(first.size(), zip.length);
    assertEquals(
        Map.of(
            "joined.csv",
            new String(DATA_A, "UTF-8") + new String(DATA_B, "UTF-8"),
            "sub/status.txt",
            "done"),
        unzip(zip));
    first.close();
    recorder.await("Complete", "Completed");
    assertEquals(State.Complete, c.state());
    assertEquals(Set.of(0), c.consumersServed());
    assertTrue(Files.exists(w.resultZip()), "consumer 2 has not fetched yet");

    // Consumer 1 downloads again and keeps it open while consumer 2 fetches: wipe waits.
    ResultDownload again = open(c, CONSUMER_1);
    again.stream().read(new byte[10]);
    try (ResultDownload second = open(c, CONSUMER_2)) {
      assertArrayEquals(zip, readAll(second));
    }
    assertEquals(Set.of(0, 1), c.consumersServed());
    Thread.sleep(200);
    assertTrue(Files.exists(w.resultZip()), "an open download defers the wipe");
    assertFalse(recorder.kinds().contains("Wiped/Completed"));
    again.close();

    AgentEvent wiped = recorder.await("Wiped", "Completed");
    assertTrue(
        wiped.details().contains("\"reason\":\"every result consumer fetched the results\""),
        wiped.details());
    assertFalse(w.exists(), "the computation's folder is gone");
    assertTrue(c.finished());
    e = assertThrows(AgentException.class, () -> open(c, CONSUMER_2));
    assertEquals(Kind.WIPED, e.kind());
    assertEquals("results were wiped: every result consumer fetched the results", e.getMessage());
    assertEquals(State.ReceivingManifest, agent.state());
    assertEquals(1, runner.started.get());

    // The agent takes the next computation.
    Computation next = (Computation) agent.start(manifest(JOIN, List.of()));
    assertEquals(State.ReceivingAlgorithm, next.state());
  }

  @Test
  void resultsAreNotReadyBeforeTheRunSucceeded() throws Exception {
    Computation c = (Computation) agent().start(manifest(JOIN, List.of()));
    AgentException e = assertThrows(AgentException.class, () -> open(c, CONSUMER_1));
    assertEquals(Kind.RESULTS_NOT_READY, e.kind());
    assertEquals(
        "results are not ready: the computation is in state ReceivingAlgorithm", e.getMessage());
  }

  @Test
  void aFailedRunIsReportedWithItsReasonAndWiped() throws Exception {
    Computation c = runToStart(utf8("#!/bin/sh\necho 'no such column' >&2\nexit 3\n"), List.of());
    AgentEvent failed = recorder.await("Failed", "Failed");
    String reason = "algorithm execution error: exit status 3";
    assertEquals("{\"reason\":\"" + reason + "\"}", failed.details());
    AgentEvent runningFailed = recorder.await("Running", "Failed");
    assertEquals(failed.details(), runningFailed.details());
    assertEquals(State.Failed, c.state());
    assertEquals(Optional.of(reason), c.failureReason());
    recorder.await("Wiped", "Completed");
    assertFalse(c.workspace().exists());
    assertTrue(c.finished());

    AgentException e = assertThrows(AgentException.class, () -> open(c, CONSUMER_2));
    assertEquals(Kind.RUN_FAILED, e.kind());
    assertEquals("the run failed: " + reason, e.getMessage());
    agent.start(manifest(JOIN, List.of())); // not busy any more
  }

  @Test
  void aRunnerGoneBeforeTheRunFailsTheRunByName() throws Exception {
    WorkloadRunner[] present = {lookup.runner("bin")};
    // There when the manifest arrived (the agent checks then), uninstalled before the run.
    lookup =
        type -> {
          if (present[0] != null) {
            WorkloadRunner r = present[0];
            present[0] = null;
            return r;
          }
          throw RunnerUnavailableException.notInstalled(type, List.of("wasm"));
        };
    Computation c = runToStart(JOIN, List.of());
    AgentEvent failed = recorder.await("Failed", "Failed");
    assertEquals(
        "{\"reason\":\"runner 'bin' is not installed (installed: wasm)\"}", failed.details());
    assertEquals(
        "the run failed: runner 'bin' is not installed (installed: wasm)",
        assertThrows(AgentException.class, () -> open(c, CONSUMER_1)).getMessage());
  }

  @Test
  void aRunOverItsTimeLimitFails() throws Exception {
    settings.runTimeout = Duration.ofMillis(500);
    Computation c = runToStart(utf8("#!/bin/sh\nexec sleep 30\n"), List.of());
    AgentEvent failed = recorder.await("Failed", "Failed");
    assertEquals("{\"reason\":\"timed out\"}", failed.details());
    assertEquals(State.Failed, c.state());
  }

  @Test
  void resultsExpireAfterTheirTimeToLive() throws Exception {
    settings.resultsTtl = Duration.ofSeconds(1);
    Computation c = runToStart(JOIN, List.of("a", "b"));
    recorder.await("ConsumingResults", "Ready");
    ResultDownload d = open(c, CONSUMER_2);
    assertEquals(5, d.stream().read(new byte[5]));
    AgentEvent wiped = recorder.await("Wiped", "Completed");
    assertTrue(wiped.details().contains("time-to-live of PT1S expired"), wiped.details());
    IOException revoked = assertThrows(IOException.class, () -> d.stream().read(new byte[5]));
    assertEquals(
        "results were wiped: the results' time-to-live of PT1S expired", revoked.getMessage());
    d.close();
    assertFalse(c.workspace().exists());
    AgentException e = assertThrows(AgentException.class, () -> open(c, CONSUMER_1));
    assertEquals(Kind.WIPED, e.kind());
    assertEquals(State.ConsumingResults, c.state(), "nobody fetched them");
    assertEquals(Set.of(), c.consumersServed());
  }

  @Test
  void stopEndsTheRunningAlgorithmAndWipesEverything() throws Exception {
    Path pidFile = tmp.resolve("algorithm.pid");
    Computation c =
        runToStart(
            utf8("#!/bin/sh\necho $$ > \"$1\"\nexec sleep 30\n"), List.of(pidFile.toString()));
    long pid = awaitPid(pidFile);
    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
    assertTrue(process.isAlive());

    c.stop();
    process.onExit().get(10, TimeUnit.SECONDS);
    assertFalse(process.isAlive());
    assertFalse(c.workspace().exists());
    assertTrue(c.finished());
    assertEquals(State.Idle, c.state());
    List<String> kinds = recorder.kinds();
    int stopped = kinds.indexOf("Stopped/Stopped");
    assertTrue(stopped > kinds.indexOf("Running/InProgress"), kinds.toString());
    AgentEvent wiped = recorder.await("Wiped", "Completed");
    assertTrue(wiped.details().contains("the computation was stopped"));
    Thread.sleep(200);
    assertFalse(recorder.kinds().contains("Failed/Failed"), "a stop is not a failure");
    c.stop(); // idempotent
    assertEquals(1, recorder.kinds().stream().filter(k -> k.equals("Stopped/Stopped")).count());
    assertEquals(Kind.WIPED, assertThrows(AgentException.class, () -> open(c, CONSUMER_1)).kind());
  }

  @Test
  void onlyOneComputationRunsAtATime() throws Exception {
    Computation c = (Computation) agent().start(manifest(JOIN, List.of()));
    AgentException e =
        assertThrows(AgentException.class, () -> agent.start(manifest(JOIN, List.of())));
    assertEquals(Kind.BUSY, e.kind());
    assertTrue(
        e.getMessage().startsWith("computation already running: " + c.id() + " is in state"),
        e.getMessage());
    assertEquals(State.ReceivingAlgorithm, agent.state());
    c.stop();
    assertEquals(State.ReceivingManifest, agent.state());
    Computation d = (Computation) agent.start(manifest(JOIN, List.of()));
    assertEquals(Optional.of(d), agent.current());
  }

  @Test
  void deactivationStopsAndWipesTheCurrentComputation() throws Exception {
    Path pidFile = tmp.resolve("deactivate.pid");
    Computation c =
        runToStart(
            utf8("#!/bin/sh\necho $$ > \"$1\"\nexec sleep 30\n"), List.of(pidFile.toString()));
    ProcessHandle process = ProcessHandle.of(awaitPid(pidFile)).orElseThrow();
    agent.deactivate();
    agent = null;
    process.onExit().get(10, TimeUnit.SECONDS);
    assertFalse(c.workspace().exists());
    recorder.await("Stopped", "Stopped");
  }

  private static long awaitPid(Path file) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end) {
      if (Files.exists(file)) {
        String s = Files.readString(file).trim();
        if (!s.isEmpty()) {
          return Long.parseLong(s);
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the algorithm did not start");
  }
}
