package ai.cocos.runner.docker.internal;

import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What the docker runner adds to a run, measured against a real engine (the one {@link
 * ContainerEngine} starts): the wall time of a no-op algorithm from {@code start()} to its result
 * (load, create, attach, start, wait, remove container and image), and the image-load throughput
 * and heap growth for a large archive (the upload is streamed from disk, never held in memory).
 *
 * <p>Run with {@code workload-runners/docker/bench/run-overhead.sh}. Not a test: figures depend on
 * the machine.
 */
public final class RunOverheadBench {
  private RunOverheadBench() {}

  /**
   * Runs the benchmark.
   *
   * @param args [runs] [large archive MiB]
   * @throws Exception if the engine or a run fails
   */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int largeMib = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    Path work = Files.createTempDirectory("cocos-docker-bench-");
    try (ContainerEngine engine = ContainerEngine.start()) {
      DockerRunner runner = new DockerRunner(DockerSettings.defaults(engine.host()));
      try {
        Files.createDirectories(work.resolve("datasets"));
        Files.createDirectories(work.resolve("results"));
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < runs + 3; i++) {
          TestImages.write(work.resolve("algo"), new TestImages.Spec().script("true"));
          long t0 = System.nanoTime();
          RunResult r = run(runner, work, "bench-" + i);
          long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          if (!r.succeeded()) {
            throw new IllegalStateException("run failed: " + r.reason());
          }
          if (i >= 3) {
            millis.add(ms); // the first three warm up the JVM and the engine
          }
        }
        Collections.sort(millis);
        System.out.printf(
            "no-op algorithm, 2 MB image, start() to result incl. load and removal, %d runs:"
                + " p50 %d ms, p90 %d ms, min %d ms, max %d ms%n",
            runs,
            millis.get(runs / 2),
            millis.get(runs * 9 / 10),
            millis.get(0),
            millis.get(runs - 1));

        Path large = work.resolve("large.tar");
        String id = largeImage(large, largeMib);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        long t0 = System.nanoTime();
        try (UnixHttpConnection c = engine.client().connect()) {
          engine.client().loadImage(c, large);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long after = memory.getHeapMemoryUsage().getUsed();
        engine.client().removeImage(id);
        long bytes = Files.size(large);
        System.out.printf(
            "image load of a %d MiB archive: %d ms, %.0f MiB/s; heap used before %d MiB, after"
                + " %d MiB%n",
            bytes >> 20, ms, (bytes / 1048576.0) / (ms / 1000.0), before >> 20, after >> 20);
      } finally {
        runner.deactivate();
      }
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static RunResult run(DockerRunner runner, Path work, String id) throws Exception {
    RunSpec spec =
        new RunSpec(
            id,
            work.resolve("algo"),
            Optional.empty(),
            List.of(),
            work,
            work.resolve("datasets"),
            work.resolve("results"),
            Duration.ofMinutes(1),
            Map.of());
    Workload w = runner.start(spec, new RecordingSink());
    return w.result().toCompletableFuture().get(2, TimeUnit.MINUTES);
  }

  /** An image with one extra layer of incompressible data, written straight to disk. */
  private static String largeImage(Path archive, int mib) throws IOException {
    Path blob = archive.resolveSibling("blob.bin");
    Random random = new Random(1);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(blob)) {
      for (int i = 0; i < mib; i++) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
    return TestImages.writeWithFile(archive, "data.bin", blob);
  }
}
