package ai.cocos.agent.internal;

import static ai.cocos.agent.internal.TestSupport.ALGO_KEY;
import static ai.cocos.agent.internal.TestSupport.DATA_A;
import static ai.cocos.agent.internal.TestSupport.DATA_A_KEY;
import static ai.cocos.agent.internal.TestSupport.DATA_B;
import static ai.cocos.agent.internal.TestSupport.DATA_B_KEY;
import static ai.cocos.agent.internal.TestSupport.dataset;
import static ai.cocos.agent.internal.TestSupport.sha3;
import static ai.cocos.agent.internal.TestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.Authorization;
import ai.cocos.agent.Operation;
import ai.cocos.agent.State;
import ai.cocos.agent.StateException;
import ai.cocos.agent.Upload;
import ai.cocos.agent.UploadReceipt;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.runner.RunSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads into the workspace: what is accepted, what is refused, and that nothing leaks. */
class UploadTest {
  static final byte[] ALGO = utf8("#!/bin/sh\nexit 0\n");

  @TempDir Path tmp;
  final TestSupport.MutableClock clock = new TestSupport.MutableClock();
  final HoldingRunner runner = new HoldingRunner();
  final TestSupport.Recorder recorder = new TestSupport.Recorder();
  TestSupport.Settings settings;
  DiskSpace space = DiskSpace.FILE_STORE;
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

  Computation start(Manifest m) throws AgentException {
    if (agent == null) {
      agent = new AgentRuntime(settings.build(), type -> runner, clock, space);
      agent.subscribe(recorder);
    }
    return (Computation) agent.start(m);
  }

  Authorization auth(Computation c, Operation op, KeyPair key) throws AgentException {
    return c.authorize(op, TestSupport.signed(c.manifest(), op, key, clock));
  }

  AlgorithmUpload beginAlgo(Computation c) throws AgentException {
    return c.beginAlgorithm(
        auth(c, Operation.algo(), ALGO_KEY), Optional.empty(), Optional.empty());
  }

  UploadReceipt algo(Computation c, byte[] bytes) throws AgentException {
    AlgorithmUpload u = beginAlgo(c);
    u.write(bytes);
    return u.commit();
  }

  Upload beginData(Computation c, String name, KeyPair key, boolean decompress)
      throws AgentException {
    return c.beginDataset(auth(c, Operation.data(name), key), name, decompress);
  }

  UploadReceipt data(Computation c, String name, KeyPair key, byte[] bytes, boolean decompress)
      throws AgentException {
    Upload u = beginData(c, name, key, decompress);
    // In small chunks, as a client stream would deliver them.
    for (int off = 0; off < bytes.length; off += 7) {
      u.write(Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + 7)));
    }
    return u.commit();
  }

  static List<Path> list(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void algorithmAndTwoDatasetsOneDecompressedLandInPlace() throws Exception {
    byte[] zip =
        TestSupport.zip(
            new LinkedHashMap<>(
                Map.of("b/x.csv", DATA_B, "b/deep/y.csv", utf8("y\n"), "notes.txt", utf8("n"))));
    Manifest m =
        TestSupport.manifest(
            TestSupport.newId(),
            ALGO,
            List.of("--rows", "2"),
            List.of(
                dataset("a.csv", DATA_A, DATA_A_KEY, false),
                dataset("b.zip", zip, DATA_B_KEY, false)));
    Computation c = start(m);
    assertEquals(State.ReceivingAlgorithm, c.state());
    Workspace w = c.workspace();
    assertEquals("rwx------", mode(w.dir()));
    assertEquals("rwx------", mode(w.datasets()));
    assertEquals("rwx------", mode(w.incoming()));

    AlgorithmUpload u =
        c.beginAlgorithm(
            auth(c, Operation.algo(), ALGO_KEY),
            Optional.of("bin"),
            Optional.of(List.of("--rows", "2")));
    u.write(Arrays.copyOfRange(ALGO, 0, 5));
    u.writeRequirements(ByteBuffer.wrap(utf8("numpy==2.0\n")));
    u.write(Arrays.copyOfRange(ALGO, 5, ALGO.length));
    u.writeRequirements(ByteBuffer.wrap(utf8("pandas\n")));
    UploadReceipt r = u.commit();
    assertEquals(new UploadReceipt("algorithm", ALGO.length, sha3(ALGO), State.ReceivingData), r);
    assertArrayEquals(ALGO, Files.readAllBytes(w.algorithm()));
    assertEquals("numpy==2.0\npandas\n", Files.readString(w.requirements()));
    assertEquals("rw-------", mode(w.algorithm()));
    assertEquals("rw-------", mode(w.requirements()));

    r = data(c, "a.csv", DATA_A_KEY, DATA_A, false);
    assertEquals(State.ReceivingData, r.state());
    assertEquals("dataset 'a.csv'", r.item());
    r = data(c, "b.zip", DATA_B_KEY, zip, true);
    assertEquals(State.Running, r.state());
    assertEquals(zip.length, r.bytes());

    assertArrayEquals(DATA_A, Files.readAllBytes(w.datasets().resolve("a.csv")));
    assertArrayEquals(DATA_B, Files.readAllBytes(w.datasets().resolve("b/x.csv")));
    assertEquals("y\n", Files.readString(w.datasets().resolve("b/deep/y.csv")));
    assertEquals("n", Files.readString(w.datasets().resolve("notes.txt")));
    assertFalse(Files.exists(w.datasets().resolve("b.zip")), "the zip itself is not kept");
    assertEquals("rw-------", mode(w.datasets().resolve("a.csv")));
    assertEquals("rw-------", mode(w.datasets().resolve("b/x.csv")));
    assertEquals("rwx------", mode(w.datasets().resolve("b")));
    assertEquals(List.of(), list(w.incoming()), "nothing left in .incoming");

    recorder.await("Running", "InProgress");
    RunSpec spec = runner.specs.get(0);
    assertEquals(List.of("--rows", "2"), spec.args());
    assertEquals(w.algorithm(), spec.algorithm());
    assertEquals(Optional.of(w.requirements()), spec.requirements());
    assertEquals(w.datasets(), spec.datasetsDir());
    assertEquals(w.results(), spec.resultsDir());
    assertEquals(w.dir(), spec.workDir());
    assertEquals(
        List.of(
            "ReceivingManifest/InProgress",
            "ReceivingAlgorithm/InProgress",
            "ReceivingData/InProgress",
            "Running/Starting",
            "Running/InProgress"),
        recorder.kinds());
  }

  @Test
  void aManifestWithoutDatasetsRunsRightAfterTheAlgorithm() throws Exception {
    Computation c = start(TestSupport.manifest(TestSupport.newId(), ALGO, List.of(), List.of()));
    assertEquals(State.Running, algo(c, ALGO).state());
    recorder.await("Running", "InProgress");
    assertEquals(1, runner.specs.size());
  }

  @Test
  void aHashMismatchIsNamedNothingIsKeptAndARetryWorks() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    algo(c, ALGO);
    byte[] wrong = utf8("id,x\n1,11\n");
    AgentException e =
        assertThrows(AgentException.class, () -> data(c, "a.csv", DATA_A_KEY, wrong, false));
    assertEquals(Kind.HASH_MISMATCH, e.kind());
    assertEquals(
        "dataset 'a.csv' rejected: SHA3-256 is "
            + sha3(wrong).hex()
            + ", manifest expects "
            + sha3(DATA_A).hex(),
        e.getMessage());
    assertEquals(List.of(), list(c.workspace().datasets()));
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertEquals(State.ReceivingData, c.state());
    assertTrue(
        recorder.logs.stream()
            .anyMatch(l -> l.level().equals("WARN") && l.message().equals(e.getMessage())));

    data(c, "a.csv", DATA_A_KEY, DATA_A, false);
    assertArrayEquals(DATA_A, Files.readAllBytes(c.workspace().datasets().resolve("a.csv")));

    // The algorithm too.
    // A wrong algorithm, on a fresh computation.
    c.stop();
    Computation d = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    AgentException a =
        assertThrows(AgentException.class, () -> algo(d, utf8("#!/bin/sh\nrm -rf /\n")));
    assertEquals(Kind.HASH_MISMATCH, a.kind());
    assertTrue(a.getMessage().startsWith("algorithm rejected: SHA3-256 is "));
    assertFalse(Files.exists(d.workspace().algorithm()));
    assertEquals(State.ReceivingAlgorithm, d.state());
    algo(d, ALGO);
  }

  @Test
  void aDuplicateDatasetLeavesTheOriginalByteIdentical() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    algo(c, ALGO);
    // Three uploads of a.csv race: two begun before the first commits.
    Upload first = beginData(c, "a.csv", DATA_A_KEY, false);
    Upload second = beginData(c, "a.csv", DATA_A_KEY, false);
    Upload third = beginData(c, "a.csv", DATA_A_KEY, false);
    first.write(DATA_A);
    second.write(DATA_A);
    third.write(utf8("tampered"));
    first.commit();
    Path a = c.workspace().datasets().resolve("a.csv");
    Object inode = Files.getAttribute(a, "unix:ino");
    long modified = Files.getLastModifiedTime(a).toMillis();

    AgentException e = assertThrows(AgentException.class, second::commit);
    assertEquals(Kind.ALREADY_RECEIVED, e.kind());
    assertEquals("dataset 'a.csv' was already received", e.getMessage());
    e = assertThrows(AgentException.class, third::commit);
    assertEquals(Kind.HASH_MISMATCH, e.kind());
    // A new upload is refused when it begins.
    e =
        assertThrows(
            AgentException.class, () -> data(c, "a.csv", DATA_A_KEY, utf8("other"), false));
    assertEquals(Kind.ALREADY_RECEIVED, e.kind());
    assertEquals("dataset 'a.csv' was already received", e.getMessage());

    assertArrayEquals(DATA_A, Files.readAllBytes(a));
    assertEquals(inode, Files.getAttribute(a, "unix:ino"));
    assertEquals(modified, Files.getLastModifiedTime(a).toMillis());
    assertEquals(List.of(a), list(c.workspace().datasets()));
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertEquals(State.ReceivingData, c.state());
  }

  @Test
  void anUndeclaredDatasetIsRefused() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    algo(c, ALGO);
    AgentException e =
        assertThrows(AgentException.class, () -> auth(c, Operation.data("c.csv"), DATA_A_KEY));
    assertEquals(Kind.UNDECLARED, e.kind());
    assertEquals("dataset 'c.csv' is not declared in the manifest", e.getMessage());
    // An authorisation for a.csv does not upload under another name.
    Authorization forA = auth(c, Operation.data("a.csv"), DATA_A_KEY);
    e = assertThrows(AgentException.class, () -> c.beginDataset(forA, "c.csv", false));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertEquals(
        "the request was authorized for data:a.csv, but the upload names 'c.csv'", e.getMessage());
  }

  @Test
  void uploadsAreRefusedOutOfOrderAndAfterTheRunStarted() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    StateException e =
        assertThrows(StateException.class, () -> data(c, "a.csv", DATA_A_KEY, DATA_A, false));
    assertEquals(State.ReceivingAlgorithm, e.state());
    assertEquals(
        "agent not expecting this operation in the current state: ReceivingAlgorithm (dataset"
            + " 'a.csv' upload; upload the algorithm first)",
        e.getMessage());

    algo(c, ALGO);
    AgentException again = assertThrows(AgentException.class, () -> algo(c, ALGO));
    assertEquals(Kind.ALREADY_RECEIVED, again.kind());
    assertEquals("algorithm was already received", again.getMessage());

    data(c, "a.csv", DATA_A_KEY, DATA_A, false);
    data(c, "b.csv", DATA_B_KEY, DATA_B, false);
    assertEquals(State.Running, c.state());
    e = assertThrows(StateException.class, () -> data(c, "b.csv", DATA_B_KEY, DATA_B, false));
    assertEquals(State.Running, e.state());
    assertTrue(
        e.getMessage()
            .startsWith("agent not expecting this operation in the current state: Running"));
    assertTrue(e.getMessage().contains("the run has started"));
    assertArrayEquals(DATA_B, Files.readAllBytes(c.workspace().datasets().resolve("b.csv")));

    // An upload begun before the computation is stopped cannot commit after.
    c.stop();
    assertEquals(State.Idle, c.state());
  }

  @Test
  void anUploadInProgressCannotCommitOnceStopped() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    algo(c, ALGO);
    Upload u = beginData(c, "a.csv", DATA_A_KEY, false);
    u.write(DATA_A);
    c.stop();
    AgentException e = assertThrows(AgentException.class, u::commit);
    assertEquals(Kind.ABORTED, e.kind());
    assertFalse(c.workspace().exists());
  }

  @Test
  void aTruncatedUploadKeepsNothingAndCanBeRetried() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    algo(c, ALGO);
    Upload u = beginData(c, "a.csv", DATA_A_KEY, false);
    u.write(Arrays.copyOf(DATA_A, 5));
    assertEquals(1, list(c.workspace().incoming()).size());
    u.abort(); // the client went away
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertEquals(List.of(), list(c.workspace().datasets()));
    AgentException e = assertThrows(AgentException.class, () -> u.write(DATA_A));
    assertEquals(Kind.ABORTED, e.kind());
    assertEquals("dataset 'a.csv' upload was aborted", e.getMessage());
    assertEquals(Kind.ABORTED, assertThrows(AgentException.class, u::commit).kind());
    u.abort(); // idempotent

    // close() without commit is an abort too.
    try (Upload v = beginData(c, "a.csv", DATA_A_KEY, false)) {
      v.write(Arrays.copyOf(DATA_A, 3));
    }
    assertEquals(List.of(), list(c.workspace().incoming()));

    data(c, "a.csv", DATA_A_KEY, DATA_A, false);
    assertArrayEquals(DATA_A, Files.readAllBytes(c.workspace().datasets().resolve("a.csv")));
  }

  @Test
  void anUploadOverTheLimitIsStoppedAsItArrives() throws Exception {
    settings.maxUploadBytes = 1000;
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    algo(c, ALGO);
    Upload u = beginData(c, "a.csv", DATA_A_KEY, false);
    u.write(new byte[600]);
    AgentException e = assertThrows(AgentException.class, () -> u.write(new byte[600]));
    assertEquals(Kind.TOO_LARGE, e.kind());
    assertEquals("dataset 'a.csv' is larger than the limit of 1000 bytes", e.getMessage());
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertEquals(
        Kind.ABORTED, assertThrows(AgentException.class, () -> u.write(new byte[1])).kind());

    // The requirements file has the limit too.
    c.stop();
    Computation f = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    AlgorithmUpload a = beginAlgo(f);
    e = assertThrows(AgentException.class, () -> a.writeRequirements(ByteBuffer.allocate(1001)));
    assertEquals(Kind.TOO_LARGE, e.kind());
    assertEquals("requirements file is larger than the limit of 1000 bytes", e.getMessage());
  }

  @Test
  void anUploadThatWouldEatTheDiskReserveIsRefused() throws Exception {
    long usable = Files.getFileStore(tmp).getUsableSpace();
    settings.diskReserveBytes = usable + (1L << 40);
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    AlgorithmUpload u = beginAlgo(c);
    AgentException e = assertThrows(AgentException.class, () -> u.write(ALGO));
    assertEquals(Kind.DISK_FULL, e.kind());
    assertTrue(
        e.getMessage()
            .matches(
                "algorithm is larger than free disk \\([0-9.]+ [KMGT]iB free, reserve [0-9.]+ TiB,"
                    + " 0 B received so far\\)"),
        e.getMessage());
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertFalse(Files.exists(c.workspace().algorithm()));
  }

  @Test
  void theDiskIsCheckedEvery8MiBNotEveryChunk() throws Exception {
    // A disk with 40 MiB for us, less what .incoming holds; reserve 16 MiB.
    AtomicInteger probes = new AtomicInteger();
    AtomicLong budget = new AtomicLong(40L << 20);
    space =
        dir -> {
          probes.incrementAndGet();
          try (Stream<Path> s = Files.walk(dir.resolve(".incoming"))) {
            long used =
                s.filter(Files::isRegularFile)
                    .mapToLong(
                        p -> {
                          try {
                            return Files.size(p);
                          } catch (IOException e) {
                            return 0;
                          }
                        })
                    .sum();
            return budget.get() - used;
          }
        };
    settings.diskReserveBytes = 16L << 20;
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    AlgorithmUpload u = beginAlgo(c);
    byte[] chunk = new byte[64 * 1024];
    AgentException e = null;
    int chunks = 0;
    try {
      for (; chunks < 1024; chunks++) {
        u.write(chunk);
      }
    } catch (AgentException x) {
      e = x;
    }
    assertTrue(e != null, "the upload must stop");
    assertEquals(Kind.DISK_FULL, e.kind());
    long received = (long) chunks * chunk.length;
    // Room was 24 MiB above the reserve; checks come every 8 MiB, so it stops by 32 MiB.
    assertTrue(received >= (24L << 20) && received <= (32L << 20), "stopped at " + received);
    assertTrue(probes.get() <= 5, probes.get() + " probes for " + chunks + " chunks");
    assertTrue(e.getMessage().startsWith("algorithm is larger than free disk ("), e.getMessage());
    assertTrue(e.getMessage().contains("reserve 16.0 MiB"), e.getMessage());
    assertEquals(List.of(), list(c.workspace().incoming()));
  }

  @Test
  void anEmptyUploadIsRefused() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    AgentException e = assertThrows(AgentException.class, () -> beginAlgo(c).commit());
    assertEquals(Kind.REJECTED, e.kind());
    assertEquals("algorithm upload is empty: send the file's bytes in the stream", e.getMessage());
    algo(c, ALGO);
    e = assertThrows(AgentException.class, () -> beginData(c, "a.csv", DATA_A_KEY, false).commit());
    assertEquals(Kind.REJECTED, e.kind());
    assertEquals(
        "dataset 'a.csv' upload is empty: send the file's bytes in the stream", e.getMessage());
    assertEquals(List.of(), list(c.workspace().incoming()));
  }

  @Test
  void theManifestDecidesTheAlgorithmsTypeAndArguments() throws Exception {
    Computation c =
        start(TestSupport.manifest(TestSupport.newId(), ALGO, List.of("--n", "3"), List.of()));
    AgentException e =
        assertThrows(
            AgentException.class,
            () ->
                c.beginAlgorithm(
                    auth(c, Operation.algo(), ALGO_KEY), Optional.of("python"), Optional.empty()));
    assertEquals(Kind.REJECTED, e.kind());
    assertEquals(
        "algo_type 'python' does not match the manifest's algorithm type 'bin' (the manifest"
            + " decides; send no algo_type or the manifest's)",
        e.getMessage());
    e =
        assertThrows(
            AgentException.class,
            () ->
                c.beginAlgorithm(
                    auth(c, Operation.algo(), ALGO_KEY),
                    Optional.of("bin"),
                    Optional.of(List.of("--n", "4"))));
    assertEquals(Kind.REJECTED, e.kind());
    assertTrue(e.getMessage().startsWith("algo_args '[--n, 4]' do not match"), e.getMessage());
    AlgorithmUpload u =
        c.beginAlgorithm(
            auth(c, Operation.algo(), ALGO_KEY),
            Optional.of("bin"),
            Optional.of(List.of("--n", "3")));
    u.write(ALGO);
    u.commit();
    recorder.await("Running", "InProgress");
    assertEquals(List.of("--n", "3"), runner.specs.get(0).args());
  }

  @Test
  void authorisationsAreSingleUseAndForTheirOperation() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    Authorization a = auth(c, Operation.algo(), ALGO_KEY);
    c.beginAlgorithm(a, Optional.empty(), Optional.empty()).abort();
    AgentException e =
        assertThrows(
            AgentException.class, () -> c.beginAlgorithm(a, Optional.empty(), Optional.empty()));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertEquals(
        "the authorization was already used: each request needs its own signature", e.getMessage());

    Authorization forResult = auth(c, Operation.result(), TestSupport.CONSUMER_2);
    e =
        assertThrows(
            AgentException.class,
            () -> c.beginAlgorithm(forResult, Optional.empty(), Optional.empty()));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertEquals("the request was authorized for result, not for this operation", e.getMessage());

    Authorization forged =
        new Authorization() {
          @Override
          public String computationId() {
            return c.id();
          }

          @Override
          public Operation operation() {
            return Operation.algo();
          }

          @Override
          public int index() {
            return 0;
          }

          @Override
          public String keyFingerprint() {
            return "0000000000000000";
          }

          @Override
          public boolean legacy() {
            return false;
          }
        };
    e =
        assertThrows(
            AgentException.class,
            () -> c.beginAlgorithm(forged, Optional.empty(), Optional.empty()));
    assertEquals(Kind.PERMISSION_DENIED, e.kind());
    assertTrue(e.getMessage().startsWith("the authorization was not issued by computation"));
  }

  @Test
  void aDecompressedDatasetThatIsNotASafeZipIsRefused() throws Exception {
    byte[] notZip = utf8("this is not a zip");
    byte[] shadowing = TestSupport.zip(Map.of("a.csv", utf8("evil")));
    byte[] traversal = TestSupport.zip(Map.of("../escape.txt", utf8("x")));
    Manifest m =
        TestSupport.manifest(
            TestSupport.newId(),
            ALGO,
            List.of(),
            List.of(
                dataset("a.csv", DATA_A, DATA_A_KEY, false),
                dataset("n.zip", notZip, DATA_B_KEY, true),
                dataset("s.zip", shadowing, DATA_B_KEY, true),
                dataset("t.zip", traversal, DATA_B_KEY, true)));
    Computation c = start(m);
    algo(c, ALGO);
    AgentException e =
        assertThrows(AgentException.class, () -> data(c, "n.zip", DATA_B_KEY, notZip, false));
    assertEquals(Kind.REJECTED, e.kind(), "the manifest says decompress");
    assertTrue(
        e.getMessage().startsWith("dataset 'n.zip' rejected: zip archive rejected"),
        e.getMessage());

    e = assertThrows(AgentException.class, () -> data(c, "s.zip", DATA_B_KEY, shadowing, true));
    assertEquals(Kind.REJECTED, e.kind());
    assertEquals(
        "dataset 's.zip' rejected: its entry 'a.csv' has the name of declared dataset 'a.csv'",
        e.getMessage());

    e = assertThrows(AgentException.class, () -> data(c, "t.zip", DATA_B_KEY, traversal, true));
    assertEquals(Kind.REJECTED, e.kind());
    assertTrue(e.getMessage().contains("'..' segment"), e.getMessage());

    assertEquals(List.of(), list(c.workspace().datasets()));
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertFalse(Files.exists(tmp.resolve("work").resolve("escape.txt")));
  }

  @Test
  void aDecompressedDatasetOverTheExtractionLimitIsRefused() throws Exception {
    settings.maxUnzipBytes = 100;
    byte[] big = TestSupport.zip(Map.of("big.csv", new byte[101]));
    Manifest m =
        TestSupport.manifest(
            TestSupport.newId(),
            ALGO,
            List.of(),
            List.of(dataset("big.zip", big, DATA_B_KEY, true)));
    Computation c = start(m);
    algo(c, ALGO);
    AgentException e =
        assertThrows(AgentException.class, () -> data(c, "big.zip", DATA_B_KEY, big, true));
    assertEquals(Kind.TOO_LARGE, e.kind());
    assertTrue(
        e.getMessage().startsWith("dataset 'big.zip' rejected: zip entry 'big.csv' rejected:"),
        e.getMessage());
    assertTrue(e.getMessage().contains("the limit is 100 bytes"), e.getMessage());
    assertEquals(List.of(), list(c.workspace().datasets()));
    assertEquals(List.of(), list(c.workspace().incoming()));
    assertEquals(State.ReceivingData, c.state());
  }

  @Test
  void directBuffersAreCopiedThroughAConstantScratchBuffer() throws Exception {
    Computation c = start(TestSupport.twoDatasets(TestSupport.newId(), ALGO));
    AlgorithmUpload u = beginAlgo(c);
    ByteBuffer direct = ByteBuffer.allocateDirect(ALGO.length);
    direct.put(ALGO).flip();
    u.write(direct);
    assertFalse(direct.hasRemaining());
    assertEquals(ALGO.length, u.bytesReceived());
    u.commit();
    assertArrayEquals(ALGO, Files.readAllBytes(c.workspace().algorithm()));
  }
}
