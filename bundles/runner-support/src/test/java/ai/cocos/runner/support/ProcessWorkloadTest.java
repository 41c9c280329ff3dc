package ai.cocos.runner.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.OutputSink.Stream;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Supervises real processes ({@code /bin/sh -c} scripts written by the test). */
class ProcessWorkloadTest {
  private final RunningWorkloads running = new RunningWorkloads("test");
  private final List<Long> strays = new ArrayList<>();

  @AfterEach
  void tearDown() {
    running.shutdown(Duration.ofSeconds(10));
    strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void successDeliversOutputAndStatusZero() throws Exception {
    RecordingSink sink = new RecordingSink();
    RunResult result = await(start("echo out; echo err >&2", Duration.ofSeconds(30), sink, "step"));
    assertEquals(new RunResult(Outcome.SUCCEEDED, 0, ""), result);
    assertEquals(List.of("out"), sink.out);
    assertEquals(List.of("err"), sink.err);
  }

  @Test
  void failureNamesTheLabelAndStatus() throws Exception {
    RunResult result = await(start("exit 7", Duration.ofSeconds(30), new RecordingSink(), "pip"));
    assertEquals(new RunResult(Outcome.FAILED, 7, "pip exited with status 7"), result);
  }

  @Test
  void deathBySignalIsNamed() throws Exception {
    RunResult result =
        await(start("kill -KILL $$", Duration.ofSeconds(30), new RecordingSink(), "algorithm"));
    assertEquals(
        new RunResult(
            Outcome.FAILED, 137, "algorithm was killed by signal 9 (SIGKILL), exit status 137"),
        result);
    assertEquals("x exited with status 200", ProcessWorkload.describeStatus("x", 200));
  }

  @Test
  void anEarlierDeadlineEndsTheTreeAndReportsTheOverallLimit() throws Exception {
    RecordingSink sink = new RecordingSink();
    Process process = sh("sleep 1000 &\necho \"child $!\"\nwait");
    long started = System.nanoTime();
    Workload workload =
        running.start(
            () ->
                ProcessWorkload.of(process)
                    .label("setup")
                    .timeout(Duration.ofMinutes(10))
                    .deadline(System.nanoTime() + Duration.ofSeconds(1).toNanos())
                    .killGrace(Duration.ofMillis(300))
                    .sink(sink)
                    .executor(running.executor())
                    .begin());
    long child = childPid(sink);

    RunResult result = await(workload);

    assertEquals(
        new RunResult(Outcome.TIMED_OUT, -1, "setup exceeded its time limit of PT10M"), result);
    assertGone(child);
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(8).toNanos());
  }

  @Test
  void stopEndsTheTreeWhileOutputStreams() throws Exception {
    RecordingSink sink = new RecordingSink();
    Workload workload =
        start(
            "trap '' TERM\nsleep 1000 &\necho \"child $!\"\nwait\nwait",
            Duration.ofMinutes(5),
            sink,
            "algorithm");
    long child = childPid(sink);
    assertFalse(workload.result().toCompletableFuture().isDone());

    workload.stop();
    workload.stop();

    assertEquals(new RunResult(Outcome.STOPPED, -1, "algorithm was stopped"), await(workload));
    assertGone(child);
  }

  @Test
  void shutdownStopsRunningWorkloadsAndRefusesNewOnes() throws Exception {
    RecordingSink sink = new RecordingSink();
    Workload workload =
        start("sleep 1000 &\necho \"child $!\"\nwait", Duration.ofMinutes(5), sink, "algorithm");
    long child = childPid(sink);
    assertEquals(1, running.size());

    running.shutdown(Duration.ofSeconds(10));

    assertEquals(Outcome.STOPPED, await(workload).outcome());
    assertGone(child);
    assertEquals(0, running.size());
    RunnerUnavailableException e =
        assertThrows(
            RunnerUnavailableException.class,
            () -> start("true", Duration.ofSeconds(5), sink, "algorithm"));
    assertEquals(
        "the 'test' runner is shutting down (bundle stopping or updating); retry the run",
        e.getMessage());
  }

  private Workload start(String script, Duration timeout, RecordingSink sink, String label)
      throws Exception {
    return running.start(
        () -> {
          Process process;
          try {
            process = sh(script);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
          return ProcessWorkload.of(process)
              .label(label)
              .computation("c1")
              .timeout(timeout)
              .killGrace(Duration.ofMillis(300))
              .sink(sink)
              .executor(running.executor())
              .begin();
        });
  }

  private static Process sh(String script) throws IOException {
    return new ProcessBuilder("/bin/sh", "-c", script).start();
  }

  private static RunResult await(Workload workload) throws Exception {
    return workload.result().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private long childPid(RecordingSink sink) throws InterruptedException {
    String line = sink.await(Stream.STDOUT, l -> l.startsWith("child "), Duration.ofSeconds(5));
    long pid = Long.parseLong(line.substring("child ".length()));
    strays.add(pid);
    return pid;
  }

  /** A zombie (killed orphan not yet reaped by init) counts as gone. */
  static void assertGone(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
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
