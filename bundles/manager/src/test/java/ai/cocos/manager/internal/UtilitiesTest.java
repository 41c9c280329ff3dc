package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Port allocation, private files and wiping, JSON state files. */
class UtilitiesTest {
  @TempDir Path tmp;

  @Test
  void portsAreTheLowestFreeOnesOfTheRange() throws Exception {
    int base;
    try (ServerSocket probe = new ServerSocket(0)) {
      base = probe.getLocalPort();
    }
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base));
      PortAllocator ports = new PortAllocator(base + "-" + (base + 2));
      int first = ports.allocate();
      assertNotEquals(base, first, "a port bound by someone else is not free");
      int second = ports.allocate();
      assertNotEquals(first, second);
      IOException none = assertThrows(IOException.class, ports::allocate);
      assertTrue(
          none.getMessage().startsWith("failed to allocate free port on host"), none.getMessage());
      ports.release(first);
      assertEquals(first, ports.allocate());
    }
    assertThrows(IllegalArgumentException.class, () -> new PortAllocator("6200-6100"));
    assertThrows(IllegalArgumentException.class, () -> new PortAllocator("6100"));
    assertThrows(IllegalArgumentException.class, () -> new PortAllocator("0-10"));
    assertEquals("6100-6200", new PortAllocator(" 6100 - 6200 ").range());
  }

  @Test
  void privateFilesAndFolders() throws Exception {
    Path dir = SecureFiles.privateDir(tmp.resolve("a/b"));
    Path file = dir.resolve("secret");
    SecureFiles.writePrivate(file, "s3cret".getBytes());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    SecureFiles.replacePrivate(file, "other".getBytes());
    assertEquals("other", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void wipeOverwritesWithZerosAndNeverFollowsLinks() throws Exception {
    Path vm = SecureFiles.privateDir(tmp.resolve("vm"));
    Path key = vm.resolve("key.pem");
    byte[] secret = new byte[200_000];
    java.util.Arrays.fill(secret, (byte) 'k');
    SecureFiles.writePrivate(key, secret);
    // A second name for the same inode shows what the wipe wrote into it.
    Path witness = tmp.resolve("witness");
    Files.createLink(witness, key);
    Path outside = tmp.resolve("outside.txt");
    Files.writeString(outside, "keep me");
    Files.createSymbolicLink(vm.resolve("link"), outside);
    Path locked = Files.createDirectories(vm.resolve("work/locked"));
    Files.writeString(locked.resolve("data"), "dataset");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

    SecureFiles.wipe(vm);

    assertFalse(Files.exists(vm));
    assertArrayEquals(new byte[secret.length], Files.readAllBytes(witness));
    assertEquals("keep me", Files.readString(outside));
    SecureFiles.wipe(vm); // a missing folder is fine
  }

  @Test
  void jsonTreesRoundTrip() throws Exception {
    Map<String, Object> tree =
        Map.of("a", 1L, "b", List.of("x", true, Map.of("n", Long.MAX_VALUE)), "c", "é\n\"");
    Object back = Json.read(Json.write(new java.util.TreeMap<>(tree)));
    assertEquals(new java.util.TreeMap<>(tree), back);
    assertThrows(IOException.class, () -> Json.read("{} {}".getBytes()));
  }
}
