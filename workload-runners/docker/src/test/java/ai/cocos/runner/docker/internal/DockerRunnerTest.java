package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.OutputSink.Stream;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker runner against a real container engine (dockerd started by {@link ContainerEngine}),
 * with image archives built by the test from the host's busybox.
 */
@ExtendWith(ContainerEngine.Extension.class)
class DockerRunnerTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir Path work;
  private ContainerEngine engine;
  private DockerRunner runner;
  private Path datasets;
  private Path results;
  private String computation;

  @BeforeEach
  void setUp(ContainerEngine engine) throws IOException {
    this.engine = engine;
    runner = new DockerRunner(DockerSettings.defaults(engine.host()));
    datasets = Files.createDirectory(work.resolve("datasets"));
    results = Files.createDirectory(work.resolve("results"));
    computation = "c" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void tearDown() {
    if (runner != null) {
      runner.deactivate();
    }
  }

  @Test
  void checkHostPassesWithTheEngine() throws Exception {
    runner.checkHost();
  }

  @Test
  void runsTheImageOverDatasetsIntoResultsWithArgs() throws Exception {
    Files.writeString(datasets.resolve("a.csv"), "x,1\ny,2\nz,3\n");
    Files.writeString(datasets.resolve("b.csv"), "w,4\n");
    String image =
        image(
            new TestImages.Spec()
                .script(
                    "echo \"argc=$#\"; for a in \"$@\"; do echo \"arg=[$a]\"; done\n"
                        + "echo \"pwd=$(pwd)\"\n"
                        + "cat datasets/*.csv | wc -l > results/lines.txt\n"
                        + "ls datasets > results/names.txt\n"
                        + "echo to-stderr >&2\n")
                .cmd("default-arg-replaced"));
    RecordingSink sink = new RecordingSink();

    RunResult r =
        await(
            runner.start(
                spec(List.of("two words", "$(touch /cocos/results/pwned)", "*"), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(0, r.exitCode());
    // docker run semantics with an ENTRYPOINT: the args replace CMD, and no shell expands them.
    assertEquals(
        List.of(
            "argc=3",
            "arg=[two words]",
            "arg=[$(touch /cocos/results/pwned)]",
            "arg=[*]",
            "pwd=/cocos"),
        sink.out);
    assertEquals(List.of("to-stderr"), sink.err);
    assertEquals("4", Files.readString(results.resolve("lines.txt")).trim());
    assertEquals("a.csv\nb.csv", Files.readString(results.resolve("names.txt")).trim());
    assertFalse(Files.exists(results.resolve("pwned")));
    assertCleanedUp(image);
  }

  @Test
  void resultsBelongToTheAgentsUser() throws Exception {
    // The workspace belongs to the agent's user; the container runs as it. Shown with an owner
    // other than root where the test may chown (it runs as root here).
    boolean root = "0".equals(String.valueOf(Files.getAttribute(work, "unix:uid")));
    if (root) {
      for (Path p : List.of(datasets, results)) {
        Files.setAttribute(p, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", 4322, LinkOption.NOFOLLOW_LINKS);
      }
    }
    Object uid = Files.getAttribute(results, "unix:uid");
    Object gid = Files.getAttribute(results, "unix:gid");
    String image = image(new TestImages.Spec().script("id -u; id -g; echo r > results/out.txt"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(List.of(uid.toString(), gid.toString()), sink.out);
    Path out = results.resolve("out.txt");
    assertEquals(uid, Files.getAttribute(out, "unix:uid"));
    assertEquals(gid, Files.getAttribute(out, "unix:gid"));
    assertCleanedUp(image);
  }

  @Test
  void datasetsAreReadOnlyInTheContainer() throws Exception {
    Files.writeString(datasets.resolve("a.csv"), "secret\n");
    String image =
        image(
            new TestImages.Spec()
                .script(
                    "if echo changed > datasets/a.csv; then echo wrote; fi\n"
                        + "if touch datasets/new.csv; then echo created; fi\n"
                        + "exit 0"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(List.of(), sink.out);
    assertTrue(
        sink.err.stream().allMatch(l -> l.contains("Read-only file system"))
            && sink.err.size() == 2,
        sink.err.toString());
    assertEquals("secret\n", Files.readString(datasets.resolve("a.csv")));
    assertFalse(Files.exists(datasets.resolve("new.csv")));
    assertCleanedUp(image);
  }

  @Test
  void containerHasNoNetworkNoCapabilitiesAndNoNewPrivileges() throws Exception {
    String image =
        image(
            new TestImages.Spec()
                .script(
                    "ls /sys/class/net\n"
                        + "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status\n"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(
        List.of("lo", "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1"),
        sink.out);
    assertCleanedUp(image);
  }

  @Test
  void operatorLimitsAndReadOnlyRootfsApply() throws Exception {
    runner.deactivate();
    runner =
        new DockerRunner(
            new DockerSettings(
                engine.host(),
                "none",
                64L << 20,
                500_000_000L,
                100,
                "",
                true,
                true,
                2,
                Duration.ofSeconds(30),
                65536));
    // cgroup v1 and v2 name the limits differently; print whichever this host has.
    String image =
        image(
            new TestImages.Spec()
                .script(
                    "c=/sys/fs/cgroup\n"
                        + "if [ -f $c/memory.max ]; then cat $c/memory.max $c/cpu.max $c/pids.max\n"
                        + "else cat $c/memory/memory.limit_in_bytes $c/cpu/cpu.cfs_quota_us"
                        + " $c/cpu/cpu.cfs_period_us $c/pids/pids.max; fi\n"
                        + "if touch /tmp/x 2>/dev/null; then echo rootfs-writable; fi\n"
                        + "echo ok > results/ok.txt"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    // v1: limit_in_bytes, quota, period, pids.max; v2: memory.max, "quota period", pids.max.
    assertEquals("67108864 50000 100000 100", String.join(" ", sink.out));
    assertEquals("ok\n", Files.readString(results.resolve("ok.txt")));
    assertCleanedUp(image);
  }

  @Test
  void everyLineArrivesInOrderUpToTheExit() throws Exception {
    // Output written just before the exit is not lost: attached before the start, drained after.
    String image = image(new TestImages.Spec().script("seq 1 20000; echo last >&2"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(20000, sink.out.size());
    for (int i = 0; i < 20000; i++) {
      assertEquals(Integer.toString(i + 1), sink.out.get(i));
    }
    assertEquals(List.of("last"), sink.err);
    assertCleanedUp(image);
  }

  @Test
  void imageWithOnlyACmdGetsTheArgsAppended() throws Exception {
    Files.writeString(datasets.resolve("words.txt"), "a b c\n");
    String image =
        image(
            new TestImages.Spec()
                .file("count.sh", "#!/bin/sh\necho \"$1:$(wc -w < datasets/$1)\"\n")
                .cmd("/bin/sh", "/count.sh"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of("words.txt"), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(List.of("words.txt:3"), sink.out);
    assertCleanedUp(image);
  }

  @Test
  void nonZeroExitFailsWithTheCode() throws Exception {
    String image = image(new TestImages.Spec().script("echo failing >&2; exit 3"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.FAILED, r.outcome());
    assertEquals(3, r.exitCode());
    assertEquals("algorithm exited with status 3", r.reason());
    assertEquals(List.of("failing"), sink.err);
    assertCleanedUp(image);
  }

  @Test
  void killedBySignalSaysWhich() throws Exception {
    String image = image(new TestImages.Spec().script("kill -SEGV $$; sleep 5"));

    RunResult r = await(runner.start(spec(List.of(), LIMIT), new RecordingSink()));

    assertEquals(Outcome.FAILED, r.outcome());
    assertEquals(139, r.exitCode());
    assertTrue(r.reason().contains("signal 11 (SIGSEGV)"), r.reason());
    assertCleanedUp(image);
  }

  @Test
  void outOfMemoryIsNamed() throws Exception {
    runner.deactivate();
    runner =
        new DockerRunner(DockerSettings.defaults(engine.host()).with(16L * 1024 * 1024, "", false));
    // tail keeps the last 200 MB of an endless stream in memory: far over the 16 MiB limit.
    String image =
        image(new TestImages.Spec().entrypoint("/bin/tail", "-c", "200000000", "/dev/zero"));

    RunResult r = await(runner.start(spec(List.of(), LIMIT), new RecordingSink()));

    assertEquals(Outcome.FAILED, r.outcome(), r.reason());
    assertEquals(137, r.exitCode());
    // dockerd reports OOMKilled ("ran out of memory"); podman 4 does not, so the limit is named.
    assertTrue(r.reason().contains("memory"), r.reason());
    assertTrue(r.reason().contains("16 MiB (AGENT_DOCKER_MEMORY_MB)"), r.reason());
    assertCleanedUp(image);
  }

  @Test
  void timeoutStopsTheContainer() throws Exception {
    String image = image(new TestImages.Spec().script("echo started; sleep 600"));
    RecordingSink sink = new RecordingSink();
    long t0 = System.nanoTime();

    Workload w = runner.start(spec(List.of(), Duration.ofSeconds(3)), sink);
    RunResult r = await(w);

    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    assertEquals(Outcome.TIMED_OUT, r.outcome());
    assertEquals("algorithm exceeded its time limit of PT3S", r.reason());
    assertEquals(List.of("started"), sink.out);
    // limit 3 s + grace 2 s (sh as PID 1 ignores SIGTERM) + engine calls
    assertTrue(seconds < 12, "took " + seconds + " s");
    assertCleanedUp(image);
  }

  @Test
  void stopEndsTheRunWithinSeconds() throws Exception {
    String image = image(new TestImages.Spec().script("echo started; sleep 600"));
    RecordingSink sink = new RecordingSink();
    Workload w = runner.start(spec(List.of(), LIMIT), sink);
    sink.await(Stream.STDOUT, "started"::equals, Duration.ofSeconds(30));

    long t0 = System.nanoTime();
    w.stop();
    w.stop(); // idempotent
    RunResult r = await(w);

    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    assertEquals(Outcome.STOPPED, r.outcome());
    assertEquals("algorithm was stopped", r.reason());
    assertTrue(seconds < 8, "stop took " + seconds + " s");
    assertCleanedUp(image);
  }

  @Test
  void stopWhileTheImageLoadsLeavesNothing() throws Exception {
    String image = image(new TestImages.Spec().script("echo should-not-run"));
    RecordingSink sink = new RecordingSink();

    Workload w = runner.start(spec(List.of(), LIMIT), sink);
    w.stop();
    RunResult r = await(w);

    assertEquals(Outcome.STOPPED, r.outcome());
    assertEquals(List.of(), sink.out);
    assertCleanedUp(image);
  }

  @Test
  void outputIsStreamedWhileTheContainerRuns() throws Exception {
    String image =
        image(
            new TestImages.Spec()
                .script(
                    "echo first\necho first-err >&2\n"
                        + "while [ ! -e datasets/go ]; do sleep 0.1; done\necho second"));
    RecordingSink sink = new RecordingSink();
    Workload w = runner.start(spec(List.of(), LIMIT), sink);

    sink.await(Stream.STDOUT, "first"::equals, Duration.ofSeconds(30));
    sink.await(Stream.STDERR, "first-err"::equals, Duration.ofSeconds(5));
    assertFalse(w.result().toCompletableFuture().isDone(), "lines must arrive before the end");
    Files.writeString(datasets.resolve("go"), "");
    RunResult r = await(w);

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(List.of("first", "second"), sink.out);
    assertCleanedUp(image);
  }

  @Test
  void programMissingInTheImageFailsWithTheReason() throws Exception {
    String image = image(new TestImages.Spec().entrypoint("/no/such/program"));
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    // The engine's init reports the failed exec on stderr and exits non-zero: tini (dockerd)
    // with 127, catatonit (podman) with 1.
    assertEquals(Outcome.FAILED, r.outcome());
    assertTrue(r.exitCode() == 127 || r.exitCode() == 1, r.reason());
    if (r.exitCode() == 127) {
      assertEquals(
          "algorithm exited with status 127 (the program was not found in the image; see the"
              + " output)",
          r.reason());
    }
    assertTrue(
        sink.err.stream()
            .anyMatch(l -> l.contains("/no/such/program") || l.contains("failed to exec")),
        sink.err.toString());
    assertCleanedUp(image);
  }

  @Test
  void theLoadedImageIsRunNotAnotherWithTheSameTag() throws Exception {
    // Another image already carries the tag the archive names: CocosAI's pick of "the first
    // tagged image" could run either; the runner runs the archive's own.
    Path otherArchive = work.resolve("other.tar");
    String other =
        TestImages.write(
            otherArchive, new TestImages.Spec().script("echo other").tags("cocos-test/algo:1"));
    try (UnixHttpConnection c = engine.client().connect()) {
      engine.client().loadImage(c, otherArchive);
    }
    try {
      String image = image(new TestImages.Spec().script("echo mine").tags("cocos-test/algo:1"));
      RecordingSink sink = new RecordingSink();

      RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

      assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
      assertEquals(List.of("mine"), sink.out);
      assertCleanedUp(image);
      // The image that was there before is not the runner's to remove.
      assertTrue(engine.client().inspectImage(other) != null);
    } finally {
      engine.client().removeImage(other);
    }
  }

  @Test
  void archiveWrittenByTheEnginesOwnSaveRuns() throws Exception {
    // The engine's own "docker save" output, not only the test's writer, is understood.
    Path built = work.resolve("built.tar");
    String id = TestImages.write(built, new TestImages.Spec().script("echo saved").tags("t/s:1"));
    try (UnixHttpConnection c = engine.client().connect()) {
      engine.client().loadImage(c, built);
    }
    Path saved = work.resolve("algo");
    try (UnixHttpConnection c = engine.client().connect()) {
      c.send("GET", "/v1.41/images/" + id + "/get", List.of(), null, null);
      assertEquals(200, c.readHead());
      try (var in = c.body()) {
        Files.copy(in, saved);
      }
    }
    engine.client().removeImage(id);
    assertEquals(id, ImageArchive.read(saved).imageId());
    RecordingSink sink = new RecordingSink();

    RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

    assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
    assertEquals(List.of("saved"), sink.out);
    assertCleanedUp(id);
  }

  @Test
  void leftoverContainerOfAnEarlierAgentIsReplaced() throws Exception {
    String image = image(new TestImages.Spec().script("echo fresh"));
    String name = DockerRunner.containerName(computation);
    // What a crashed agent leaves: a created container with the runner's label under the name.
    String base = baseImage();
    try {
      engine
          .client()
          .createContainer(
              name,
              Map.of(
                  "Image",
                  base,
                  "Cmd",
                  List.of("/bin/true"),
                  "Labels",
                  Map.of(ContainerSpec.RUNNER_LABEL, "docker")));
      RecordingSink sink = new RecordingSink();

      RunResult r = await(runner.start(spec(List.of(), LIMIT), sink));

      assertEquals(Outcome.SUCCEEDED, r.outcome(), r.reason());
      assertEquals(List.of("fresh"), sink.out);
      assertNull(engine.client().inspectContainer(name));
      assertCleanedUp(image);
    } finally {
      engine.client().removeContainer(name);
      engine.client().removeImage(base);
    }
  }

  @Test
  void foreignContainerWithTheNameIsLeftAloneAndTheRunFails() throws Exception {
    String image = image(new TestImages.Spec().script("echo never"));
    String name = DockerRunner.containerName(computation);
    String base = baseImage();
    try {
      String foreign =
          engine.client().createContainer(name, Map.of("Image", base, "Cmd", List.of("/bin/true")));

      RunResult r = await(runner.start(spec(List.of(), LIMIT), new RecordingSink()));

      assertEquals(Outcome.FAILED, r.outcome());
      assertTrue(r.reason().contains("was not made by the docker runner"), r.reason());
      assertTrue(engine.client().inspectContainer(foreign) != null, "foreign container kept");
      assertNull(engine.client().inspectImage(image));
    } finally {
      engine.client().removeContainer(name);
      engine.client().removeImage(base);
    }
  }

  @Test
  void oneRunPerComputationAtATime() throws Exception {
    image(new TestImages.Spec().script("sleep 600"));
    Workload w = runner.start(spec(List.of(), LIMIT), new RecordingSink());
    try {
      RunnerException e =
          assertThrows(
              RunnerException.class,
              () -> runner.start(spec(List.of(), LIMIT), new RecordingSink()));
      assertTrue(e.getMessage().contains("already running"), e.getMessage());
    } finally {
      w.stop();
      await(w);
    }
  }

  @Test
  void deactivationStopsRunningWorkloadsAndCleansUp() throws Exception {
    String image = image(new TestImages.Spec().script("echo started; sleep 600"));
    RecordingSink sink = new RecordingSink();
    Workload w = runner.start(spec(List.of(), LIMIT), sink);
    sink.await(Stream.STDOUT, "started"::equals, Duration.ofSeconds(30));

    runner.deactivate();
    runner = null;

    RunResult r = w.result().toCompletableFuture().get(1, TimeUnit.SECONDS);
    assertEquals(Outcome.STOPPED, r.outcome());
    assertCleanedUp(image);
  }

  @Test
  void archiveThatIsNotAnImageIsRefusedAtStart() throws Exception {
    Files.writeString(work.resolve("algo"), "#!/bin/sh\necho I am a script\n");

    RunnerException e =
        assertThrows(
            RunnerException.class, () -> runner.start(spec(List.of(), LIMIT), new RecordingSink()));

    assertTrue(
        e.getMessage().startsWith("algorithm algo is not a usable docker image archive"),
        e.getMessage());
  }

  /** Builds the algorithm archive at work/algo; returns its image ID. */
  private String image(TestImages.Spec spec) throws IOException {
    return TestImages.write(work.resolve("algo"), spec);
  }

  /** Loads a plain busybox image for containers made by hand; returns its ID. */
  private String baseImage() throws IOException {
    Path archive = work.resolve("base.tar");
    String id = TestImages.write(archive, new TestImages.Spec().cmd("/bin/true"));
    try (UnixHttpConnection c = engine.client().connect()) {
      engine.client().loadImage(c, archive);
    }
    return id;
  }

  private RunSpec spec(List<String> args, Duration timeout) {
    return new RunSpec(
        computation,
        work.resolve("algo"),
        Optional.empty(),
        args,
        work,
        datasets,
        results,
        timeout,
        Map.of());
  }

  private static RunResult await(Workload w) throws Exception {
    return w.result().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  /** The container and the image are gone once the result is complete. */
  private void assertCleanedUp(String image) throws IOException {
    assertEquals(
        List.of(),
        engine.client().listContainers(ContainerSpec.COMPUTATION_LABEL + "=" + computation),
        "containers of " + computation);
    assertNull(engine.client().inspectImage(image), "image " + image + " still present");
  }
}
