package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.Operation;
import ai.cocos.agent.State;
import ai.cocos.agent.UploadReceipt;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.Sha3OutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 256 MiB upload in 1 MiB chunks allocates a small constant amount on the uploading thread: the
 * chunks are never copied or accumulated (an implementation that kept them would allocate at least
 * 256 MiB here; one that copied each chunk once, at least as much).
 */
class MemoryTest {
  private static final int CHUNK = 1024 * 1024;
  private static final int CHUNKS = 256;
  private static final long ALLOWED = 4L * 1024 * 1024;

  @TempDir Path tmp;

  private static void fill(byte[] chunk, int i) {
    for (int j = 0; j < 64; j++) {
      chunk[j * (CHUNK / 64)] = (byte) (i * 31 + j);
    }
  }

  @Test
  void a256MiBUploadAllocatesAConstantAmount() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported());
    threads.setThreadAllocatedMemoryEnabled(true);

    byte[] chunk = new byte[CHUNK];
    Sha3OutputStream expected = new Sha3OutputStream(OutputStream.nullOutputStream());
    for (int i = 0; i < CHUNKS; i++) {
      fill(chunk, i);
      expected.write(chunk);
    }
    Manifest m =
        new Manifest(
            TestSupport.newId(),
            "big",
            "",
            List.of(),
            new AlgorithmSpec(
                new Sha3Hash(expected.digest()),
                TestSupport.pem(TestSupport.ALGO_KEY),
                "bin",
                List.of()),
            List.of(new ResultConsumer(TestSupport.pem(TestSupport.CONSUMER_2))),
            AgentConfig.DEFAULTS);
    TestSupport.Settings s = new TestSupport.Settings(tmp.resolve("work"));
    s.wipeOverwrite = false; // zeroing 256 MiB is not what this test measures
    TestSupport.MutableClock clock = new TestSupport.MutableClock();
    AgentRuntime agent =
        new AgentRuntime(s.build(), type -> new HoldingRunner(), clock, DiskSpace.FILE_STORE);
    try {
      Computation c = (Computation) agent.start(m);
      AlgorithmUpload u =
          c.beginAlgorithm(
              c.authorize(
                  Operation.algo(),
                  TestSupport.signed(m, Operation.algo(), TestSupport.ALGO_KEY, clock)),
              Optional.empty(),
              Optional.empty());

      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < CHUNKS; i++) {
        fill(chunk, i);
        u.write(chunk);
      }
      UploadReceipt r = u.commit();
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;

      assertEquals(State.Running, r.state());
      assertEquals((long) CHUNK * CHUNKS, r.bytes());
      assertEquals((long) CHUNK * CHUNKS, Files.size(c.workspace().algorithm()));
      assertTrue(
          allocated < ALLOWED,
          "uploading 256 MiB allocated " + allocated + " bytes on the uploading thread");
    } finally {
      agent.deactivate();
    }
  }
}
