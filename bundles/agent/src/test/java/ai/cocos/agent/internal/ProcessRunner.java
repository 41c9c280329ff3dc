package ai.cocos.agent.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny {@code bin} runner for the tests: really runs the algorithm as a process (argument vector,
 * working folder, clean environment), pumps its lines, and kills it with its descendants on stop or
 * timeout. Counts what it started.
 */
final class ProcessRunner implements WorkloadRunner {
  final AtomicInteger started = new AtomicInteger();
  final List<RunSpec> specs = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public String type() {
    return "bin";
  }

  @Override
  public void checkHost() {}

  @Override
  public Workload start(RunSpec spec, OutputSink output) throws RunnerException {
    specs.add(spec);
    List<String> cmd = new ArrayList<>();
    cmd.add(spec.algorithm().toString());
    cmd.addAll(spec.args());
    ProcessBuilder b = new ProcessBuilder(cmd).directory(spec.workDir().toFile());
    b.environment().clear();
    b.environment().put("PATH", "/usr/bin:/bin");
    Process p;
    try {
      Files.setPosixFilePermissions(spec.algorithm(), PosixFilePermissions.fromString("rwx------"));
      p = b.start();
    } catch (IOException e) {
      throw new RunnerException("cannot start " + spec.algorithm() + ": " + e.getMessage(), e);
    }
    started.incrementAndGet();
    return new ProcessWorkload(p, spec, output);
  }

  private static final class ProcessWorkload implements Workload {
    private final Process process;
    private final CompletableFuture<RunResult> result = new CompletableFuture<>();
    private volatile boolean stopped;
    private volatile boolean timedOut;

    ProcessWorkload(Process process, RunSpec spec, OutputSink sink) {
      this.process = process;
      Thread out = pump(process.getInputStream(), OutputSink.Stream.STDOUT, sink);
      Thread err = pump(process.getErrorStream(), OutputSink.Stream.STDERR, sink);
      Thread waiter =
          new Thread(
              () -> {
                try {
                  if (!process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut = true;
                    kill();
                  }
                  int code = process.waitFor();
                  out.join(5000);
                  err.join(5000);
                  if (stopped) {
                    result.complete(new RunResult(RunResult.Outcome.STOPPED, -1, "stopped"));
                  } else if (timedOut) {
                    result.complete(new RunResult(RunResult.Outcome.TIMED_OUT, -1, "timed out"));
                  } else if (code == 0) {
                    result.complete(new RunResult(RunResult.Outcome.SUCCEEDED, 0, ""));
                  } else {
                    result.complete(
                        new RunResult(
                            RunResult.Outcome.FAILED,
                            code,
                            "algorithm execution error: exit status " + code));
                  }
                } catch (InterruptedException e) {
                  result.complete(new RunResult(RunResult.Outcome.FAILED, -1, "interrupted"));
                }
              },
              "test-runner-wait");
      waiter.setDaemon(true);
      waiter.start();
    }

    private static Thread pump(InputStream in, OutputSink.Stream stream, OutputSink sink) {
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    sink.line(stream, line);
                  }
                } catch (IOException e) {
                  if (!e.getMessage().contains("closed")) {
                    throw new UncheckedIOException(e);
                  }
                }
              },
              "test-runner-" + stream);
      t.setDaemon(true);
      t.start();
      return t;
    }

    private void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }

    @Override
    public CompletionStage<RunResult> result() {
      return result;
    }

    @Override
    public void stop() {
      stopped = true;
      kill();
    }
  }
}
