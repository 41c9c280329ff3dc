package ai.cocos.runner.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The confinement rules on their own, through plain {@code java.nio.file} calls. */
class GuestFileSystemTest {
  @TempDir Path dir;
  private Path datasets;
  private Path results;
  private Path outside;
  private GuestFileSystem fs;

  @BeforeEach
  void setUp() throws IOException {
    datasets = Files.createDirectory(dir.resolve("datasets"));
    results = Files.createDirectory(dir.resolve("results"));
    outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(datasets.resolve("a.csv"), "a");
    Files.writeString(outside.resolve("secret"), "secret");
    fs =
        GuestFileSystem.builder()
            .mount("datasets", datasets, false)
            .mount("results", results, true)
            .build();
  }

  @Test
  void readsAndWritesWhereAllowed() throws IOException {
    assertEquals("a", Files.readString(fs.getPath("/datasets/a.csv")));
    Files.writeString(fs.getPath("/results/out.txt"), "out");
    assertEquals("out", Files.readString(results.resolve("out.txt")));
    try (Stream<Path> listing = Files.list(fs.getPath("/datasets"))) {
      assertEquals(List.of(fs.getPath("/datasets/a.csv")), listing.toList());
    }
  }

  @Test
  void readOnlyMountRefusesEveryChange() throws IOException {
    Path a = fs.getPath("/datasets/a.csv");
    assertReadOnly(() -> Files.writeString(a, "x"));
    assertReadOnly(() -> Files.writeString(fs.getPath("/datasets/new"), "x"));
    assertReadOnly(() -> FileChannel.open(a, StandardOpenOption.APPEND).close());
    assertReadOnly(() -> Files.delete(a));
    assertReadOnly(() -> Files.createDirectory(fs.getPath("/datasets/d")));
    assertReadOnly(() -> Files.move(a, fs.getPath("/results/a.csv")));
    assertReadOnly(() -> Files.copy(fs.getPath("/results"), fs.getPath("/datasets/r")));
    assertReadOnly(() -> Files.setLastModifiedTime(a, FileTime.fromMillis(0)));
    assertReadOnly(
        () ->
            Files.getFileAttributeView(a, BasicFileAttributeView.class)
                .setTimes(FileTime.fromMillis(0), null, null));
    assertThrows(
        UnsupportedOperationException.class,
        () -> Files.createLink(fs.getPath("/results/alias"), a));
    assertThrows(
        UnsupportedOperationException.class,
        () -> Files.createSymbolicLink(fs.getPath("/results/link"), a));
    try (FileChannel read = FileChannel.open(a, StandardOpenOption.READ)) {
      assertThrows(AccessDeniedException.class, () -> read.truncate(0));
    }
    assertEquals("a", Files.readString(datasets.resolve("a.csv")));
    try (Stream<Path> listing = Files.list(datasets)) {
      assertEquals(1, listing.count());
    }
    try (Stream<Path> listing = Files.list(results)) {
      assertEquals(0, listing.count());
    }
  }

  @Test
  void dotDotStopsAtTheMountAndUnknownNamesDoNotExist() throws IOException {
    assertEquals("a", Files.readString(fs.getPath("/datasets/../../a.csv")));
    assertEquals(fs.getPath("/datasets"), fs.getPath("/datasets/..").toRealPath());
    assertThrows(NoSuchFileException.class, () -> Files.readString(fs.getPath("/outside/secret")));
    assertThrows(AccessDeniedException.class, () -> Files.list(fs.getPath("/")).close());
    // A relative path starts at the guest root, like the module's working folder.
    assertEquals("a", Files.readString(fs.getPath("datasets/a.csv")));
  }

  @Test
  void symbolicLinksCannotLeadOutOfTheirMount() throws IOException {
    Files.createSymbolicLink(results.resolve("dir"), outside);
    Files.createSymbolicLink(results.resolve("file"), outside.resolve("secret"));
    Files.createSymbolicLink(results.resolve("sideways"), datasets.resolve("a.csv"));
    Files.createSymbolicLink(results.resolve("dangling"), outside.resolve("new"));
    Files.createSymbolicLink(results.resolve("inside"), results.resolve("real.txt"));
    Files.writeString(results.resolve("real.txt"), "real");

    assertThrows(
        AccessDeniedException.class, () -> Files.readString(fs.getPath("/results/dir/secret")));
    assertThrows(AccessDeniedException.class, () -> Files.readString(fs.getPath("/results/file")));
    // Into the read-only mount through a writable one: refused too.
    assertThrows(
        AccessDeniedException.class, () -> Files.writeString(fs.getPath("/results/sideways"), "x"));
    assertThrows(
        AccessDeniedException.class, () -> Files.writeString(fs.getPath("/results/dangling"), "x"));
    assertFalse(Files.exists(outside.resolve("new")));
    assertEquals("a", Files.readString(datasets.resolve("a.csv")));

    // A link inside its mount works, and reads as a guest path, never a host one.
    assertEquals("real", Files.readString(fs.getPath("/results/inside")));
    assertEquals(
        fs.getPath("/results/real.txt"), Files.readSymbolicLink(fs.getPath("/results/inside")));
    // Without following, the link itself is visible (for lstat and unlink).
    assertTrue(Files.isSymbolicLink(fs.getPath("/results/dir")));
    Files.delete(fs.getPath("/results/dir"));
    assertFalse(Files.exists(results.resolve("dir"), LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.exists(outside.resolve("secret")));
  }

  @Test
  void mountRootsStayInPlace() {
    assertThrows(AccessDeniedException.class, () -> Files.delete(fs.getPath("/results")));
    assertThrows(
        AccessDeniedException.class,
        () -> Files.move(fs.getPath("/results"), fs.getPath("/results/x")));
  }

  @Test
  void aClosedFileSystemRefusesEverything() {
    fs.close();
    assertThrows(
        ClosedFileSystemException.class, () -> Files.readString(fs.getPath("/datasets/a.csv")));
  }

  private static void assertReadOnly(IoAction action) {
    AccessDeniedException e = assertThrows(AccessDeniedException.class, action::run);
    assertTrue(
        e.getMessage().endsWith(": datasets/ is read-only")
            || e.getMessage().endsWith(": not open for writing"),
        e.getMessage());
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }
}
