package ai.cocos.core.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real launcher process running an assembly, for tests and benchmarks: {@code java -cp launcher/*
 * ai.cocos.core.launch.Main --assembly DIR}, with its output collected.
 */
public final class AssemblyProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final long startedNanos;

  private AssemblyProcess(Process process, long startedNanos) {
    this.process = process;
    this.startedNanos = startedNanos;
    Thread out = new Thread(() -> collect(process.getInputStream()), "assembly-stdout");
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(() -> collect(process.getErrorStream()), "assembly-stderr");
    err.setDaemon(true);
    err.start();
  }

  /**
   * Starts an assembly.
   *
   * @param assemblyDir the assembly folder
   * @param env extra environment variables
   * @param args launcher arguments after {@code --assembly DIR}
   * @return the running process
   * @throws IOException if it cannot be started
   */
  public static AssemblyProcess start(Path assemblyDir, Map<String, String> env, String... args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    try {
      cmd.addAll(Assembly.load(assemblyDir).jvmOptions());
    } catch (LaunchException e) {
      throw new IOException(e.getMessage(), e);
    }
    cmd.add("-cp");
    cmd.add(assemblyDir.resolve("launcher") + "/*");
    cmd.add("ai.cocos.core.launch.Main");
    cmd.add("--assembly");
    cmd.add(assemblyDir.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    return new AssemblyProcess(pb.start(), t0);
  }

  /**
   * A TCP port free on the loopback interface right now.
   *
   * @return the port
   * @throws IOException if none can be had
   */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void collect(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      // process ended
    }
  }

  /**
   * Waits for an output line (stdout or stderr) matching a predicate.
   *
   * @param match what to wait for
   * @param timeout how long at most
   * @return the line
   * @throws IllegalStateException with all output so far if it does not come, or the process ends
   */
  public String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    synchronized (lines) {
      while (true) {
        for (; checked < lines.size(); checked++) {
          if (match.test(lines.get(checked))) {
            return lines.get(checked);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && checked == lines.size())) {
          throw new IllegalStateException(
              (process.isAlive() ? "timed out" : "process exited " + process.exitValue())
                  + "; output:\n"
                  + String.join("\n", lines));
        }
        lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
      }
    }
  }

  /**
   * Everything printed so far.
   *
   * @return the output lines joined
   */
  public String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /**
   * When the process was started.
   *
   * @return {@link System#nanoTime()} at start
   */
  public long startedNanos() {
    return startedNanos;
  }

  /**
   * The process.
   *
   * @return the OS process
   */
  public Process process() {
    return process;
  }

  /**
   * Waits for the process to exit by itself.
   *
   * @param timeout how long at most
   * @return its exit code
   * @throws IllegalStateException if it is still running then
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("still running after " + timeout + "; output:\n" + output());
    }
    return process.exitValue();
  }

  /** Stops the process (SIGTERM, then SIGKILL after 15 s). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
