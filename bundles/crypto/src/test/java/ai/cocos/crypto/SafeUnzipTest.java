package ai.cocos.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.crypto.ZipRejectedException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction of hostile archives: each attack refused by name, the target left as it was. */
class SafeUnzipTest {
  private static final long MB = 1 << 20;

  @TempDir Path tmp;
  Path target;

  @BeforeEach
  void target() throws IOException {
    target = Files.createDirectories(tmp.resolve("datasets"));
    Files.writeString(target.resolve("keep.txt"), "was here before");
  }

  /** Extracts {@code zip}, expects a refusal of {@code entry} for {@code problem}. */
  private ZipRejectedException rejected(byte[] zip, String entry, Problem problem, String detail)
      throws IOException {
    return rejected(zip, entry, problem, detail, 10 * MB, 100);
  }

  private ZipRejectedException rejected(
      byte[] zip, String entry, Problem problem, String detail, long maxBytes, int maxEntries)
      throws IOException {
    Path file = Files.write(tmp.resolve("upload.zip"), zip);
    ZipRejectedException e =
        assertThrows(
            ZipRejectedException.class,
            () -> SafeUnzip.extract(file, target, maxBytes, maxEntries));
    assertEquals(problem, e.problem(), e.getMessage());
    assertEquals(entry, e.entryName(), e.getMessage());
    assertTrue(e.getMessage().contains(detail), e.getMessage());
    if (entry != null) {
      assertTrue(e.getMessage().startsWith("zip entry '"), e.getMessage());
    }
    assertTargetUntouched();
    // The stream form refuses the same way.
    ZipRejectedException s =
        assertThrows(
            ZipRejectedException.class,
            () -> SafeUnzip.extract(new ByteArrayInputStream(zip), target, maxBytes, maxEntries));
    assertEquals(e.getMessage(), s.getMessage());
    assertTargetUntouched();
    return e;
  }

  private void assertTargetUntouched() throws IOException {
    try (Stream<Path> s = Files.walk(target)) {
      assertEquals(List.of(target, target.resolve("keep.txt")), s.sorted().toList());
    }
    assertEquals("was here before", Files.readString(target.resolve("keep.txt")));
  }

  @Test
  void extractsADeterministicZipPrivately() throws Exception {
    Path src = DeterministicZipTest.makeTree(tmp.resolve("src"), false, Instant.now());
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    DeterministicZip.write(src, zip);
    SafeUnzip.Summary s =
        SafeUnzip.extract(new ByteArrayInputStream(zip.toByteArray()), target, MB, 100);
    assertEquals(DeterministicZipTest.TREE.size(), s.files());
    long bytes =
        DeterministicZipTest.TREE.values().stream()
            .mapToLong(v -> v.getBytes(StandardCharsets.UTF_8).length)
            .sum();
    assertEquals(bytes, s.bytes());
    assertEquals(
        7, s.directories()); // a, bin, deep, deep/er, deep/er/and, deep/er/and/deeper, données
    for (var e : DeterministicZipTest.TREE.entrySet()) {
      Path f = target.resolve(e.getKey());
      assertEquals(e.getValue(), Files.readString(f));
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), e.getKey());
    }
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("deep/er"))));
    assertFalse(
        Files.isExecutable(target.resolve("bin/run.sh")),
        "mode bits of the archive are not applied");
    assertEquals(DeterministicZip.hashOf(src).length, 32);
  }

  @Test
  void extractsDeflatedZipsWithDirectoryEntriesIntoANewTarget() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] big = new byte[300_000];
    new Random(5).nextBytes(big);
    try (ZipOutputStream z = new ZipOutputStream(buf)) {
      z.putNextEntry(new ZipEntry("dir/"));
      z.putNextEntry(new ZipEntry("dir/random.bin"));
      z.write(big);
      z.putNextEntry(new ZipEntry("text.txt"));
      z.write("hello ".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
      z.putNextEntry(new ZipEntry("empty-dir/"));
    }
    Path fresh = tmp.resolve("new/target");
    SafeUnzip.Summary s =
        SafeUnzip.extract(new ByteArrayInputStream(buf.toByteArray()), fresh, MB, 10);
    assertEquals(new SafeUnzip.Summary(2, 2, 360_000), s);
    assertArrayEquals(big, Files.readAllBytes(fresh.resolve("dir/random.bin")));
    assertEquals("hello ".repeat(10_000), Files.readString(fresh.resolve("text.txt")));
    assertTrue(Files.isDirectory(fresh.resolve("empty-dir")));
  }

  @Test
  void readsStoredEntriesWithDataDescriptorsAsGoWritesThem() throws Exception {
    // Python's zipfile, writing to a pipe, uses data descriptors even for stored entries; so does
    // Go's archive/zip always (and so CocosAI's CLI for data -d). java.util.zip.ZipInputStream
    // cannot read those.
    String script =
        "import sys, zipfile\n"
            + "z = zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_STORED)\n"
            + "z.writestr('a/one.csv', 'x,y\\n1,2\\n')\n"
            + "z.writestr('two.txt', 'two')\n"
            + "z.close()\n";
    byte[] zip = Tools.ok(tmp, null, DeterministicZipTest.PYTHON, "-c", script);
    assertEquals(0x08, zip[6] & 0x08, "flag bit 3: data descriptor");
    assertThrows(
        ZipException.class,
        () -> {
          try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            in.getNextEntry();
            in.readAllBytes();
          }
        });
    SafeUnzip.extract(new ByteArrayInputStream(zip), target, MB, 10);
    assertEquals("x,y\n1,2\n", Files.readString(target.resolve("a/one.csv")));
    assertEquals("two", Files.readString(target.resolve("two.txt")));
  }

  @Test
  void readsInfoZipStreamedArchives() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/sub"));
    Files.writeString(src.resolve("f.txt"), "info-zip ".repeat(1000));
    byte[] zip = Tools.ok(tmp.resolve("src"), null, "zip", "-q", "-r", "-", ".");
    SafeUnzip.extract(new ByteArrayInputStream(zip), target, MB, 10);
    assertEquals("info-zip ".repeat(1000), Files.readString(target.resolve("sub/f.txt")));
  }

  @Test
  void refusesPathTraversal() throws Exception {
    String[][] cases = {
      {"../evil.txt", "'..' segment would leave the target directory"},
      {"ok/../../evil.txt", "'..' segment"},
      {"..", "'..' segment"},
      {"/etc/cron.d/evil", "absolute path"},
      {"C:/Windows/evil.dll", "drive letter"},
      {"c:evil", "drive letter"},
      {"ok\\..\\..\\evil.txt", "backslash in the name"},
      {"a//b", "empty path segment"},
      {"./a", "'.' path segment"},
      {"a\0.txt", "NUL character"},
    };
    for (String[] c : cases) {
      RawZip z = new RawZip();
      z.stored("fine.txt", "fine");
      z.stored(c[0], "evil");
      ZipRejectedException e = rejected(z.bytes(), c[0], Problem.UNSAFE_PATH, c[1]);
      assertFalse(e.getMessage().contains("\0"), "control characters are escaped in messages");
    }
    assertFalse(Files.exists(tmp.resolve("evil.txt")));
  }

  @Test
  void refusesNamesThatAreNotUtf8() throws Exception {
    RawZip z = new RawZip();
    z.add(new byte[] {'a', (byte) 0xff, 'b'}, "x".getBytes(StandardCharsets.US_ASCII), 0);
    rejected(z.bytes(), "a\ufffdb", Problem.UNSAFE_PATH, "not valid UTF-8");
  }

  @Test
  void refusesSymlinksAndSpecialFiles() throws Exception {
    RawZip z = new RawZip();
    z.stored("data.csv", "1,2");
    z.symlink("passwd", "/etc/passwd");
    rejected(z.bytes(), "passwd", Problem.SYMLINK, "symbolic links are not extracted");

    RawZip fifo = new RawZip();
    fifo.stored("pipe", "").mode(0010644);
    rejected(fifo.bytes(), "pipe", Problem.SPECIAL_FILE, "special file (Unix type 010000)");

    // The same attack made with the real Info-ZIP zip, which stores links with -y.
    Path src = Files.createDirectories(tmp.resolve("links"));
    Files.createSymbolicLink(src.resolve("escape"), Path.of("/etc"));
    // (To a file: Info-ZIP cannot write stored entries, as links are, to a pipe.)
    Tools.ok(src, null, "zip", "-q", "-y", "-r", tmp.resolve("links.zip").toString(), ".");
    rejected(
        Files.readAllBytes(tmp.resolve("links.zip")), "escape", Problem.SYMLINK, "symbolic links");
    Files.delete(src.resolve("escape")); // so the clean-up of @TempDir need not step over it
  }

  @Test
  void refusesDuplicates() throws Exception {
    RawZip z = new RawZip();
    z.stored("a.txt", "one");
    z.stored("a.txt", "two");
    rejected(z.bytes(), "a.txt", Problem.DUPLICATE, "name appears more than once");

    RawZip fileAndDir = new RawZip();
    fileAndDir.stored("a", "a file");
    fileAndDir.stored("a/b", "under a");
    rejected(fileAndDir.bytes(), "a", Problem.DUPLICATE, "both as a file and as a directory");

    RawZip dirTwice = new RawZip();
    dirTwice.stored("d/", "").mode(040755);
    dirTwice.stored("d", "").mode(040755);
    rejected(dirTwice.bytes(), "d", Problem.DUPLICATE, "more than once");
  }

  @Test
  void refusesTooManyEntries() throws Exception {
    RawZip z = new RawZip();
    for (int i = 0; i < 11; i++) {
      z.stored("f" + i, "x");
    }
    rejected(
        z.bytes(),
        null,
        Problem.TOO_MANY_ENTRIES,
        "archive declares 11 entries, the limit is 10",
        MB,
        10);
  }

  @Test
  void refusesDeclaredSizesOverTheLimitBeforeWriting() throws Exception {
    RawZip z = new RawZip();
    z.stored("one", new byte[400_000]);
    z.stored("two", new byte[400_000]);
    z.deflated("three", new byte[400_000]);
    rejected(
        z.bytes(),
        "three",
        Problem.TOO_LARGE,
        "declare 1200000 bytes, the limit is 1048576",
        MB,
        10);
  }

  @Test
  void refusesABombThatLiesAboutItsSize() throws Exception {
    // 50 MiB of zeros deflate to about 50 KiB; the headers claim 1 KiB. Counting inflated bytes
    // stops it at the first buffer past the claim, and what was extracted before is removed.
    RawZip z = new RawZip();
    z.stored("first/ok.txt", "extracted, then removed");
    z.deflated("bomb.bin", new byte[50 * (int) MB]).size(1024);
    ZipRejectedException e =
        rejected(
            z.bytes(),
            "bomb.bin",
            Problem.TOO_LARGE,
            "inflates to more than the 1024 bytes its header declares");
    assertNull(e.getCause());
  }

  @Test
  void refusesCorruptData() throws Exception {
    RawZip crc = new RawZip();
    crc.stored("ok.txt", "fine");
    crc.stored("bad.txt", "data").crc(12345);
    rejected(crc.bytes(), "bad.txt", Problem.CORRUPT, "CRC-32 mismatch");

    RawZip shortData = new RawZip();
    shortData.deflated("short.bin", new byte[1000]).size(2000);
    rejected(
        shortData.bytes(),
        "short.bin",
        Problem.CORRUPT,
        "holds 1000 bytes, its header declares 2000");

    RawZip garbage = new RawZip();
    RawZip.Entry g = garbage.deflated("garbage.bin", new byte[100]);
    g.rawData = new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 1, 2};
    rejected(garbage.bytes(), "garbage.bin", Problem.CORRUPT, "invalid deflate data");
  }

  @Test
  void refusesOverlappingEntries() throws Exception {
    byte[] inner = "payload".getBytes(StandardCharsets.US_ASCII);
    RawZip z = new RawZip();
    z.stored(
        "outer.bin", RawZip.localHeader("inner.txt".getBytes(StandardCharsets.US_ASCII), inner));
    z.overlapping("inner.txt", 30 + "outer.bin".length(), inner);
    rejected(z.bytes(), "inner.txt", Problem.CORRUPT, "its data overlaps entry 'outer.bin'");
  }

  @Test
  void refusesEncryptionAndOtherMethods() throws Exception {
    RawZip enc = new RawZip();
    enc.stored("secret.txt", "xxxx").flags(0x0801);
    rejected(enc.bytes(), "secret.txt", Problem.UNSUPPORTED, "encrypted entry");
    RawZip bzip = new RawZip();
    bzip.stored("b.bz2", "xxxx").method(12);
    rejected(bzip.bytes(), "b.bz2", Problem.UNSUPPORTED, "compression method 12");
  }

  @Test
  void refusesWhatIsNotAZip() throws Exception {
    byte[] random = new byte[5000];
    new Random(9).nextBytes(random);
    rejected(random, null, Problem.MALFORMED, "no end of central directory record");
    rejected(new byte[0], null, Problem.MALFORMED, "too short");
    RawZip z = new RawZip();
    z.stored("a.txt", "a".repeat(100));
    byte[] whole = z.bytes();
    byte[] cut = java.util.Arrays.copyOfRange(whole, 50, whole.length);
    rejected(cut, null, Problem.MALFORMED, "central directory lies outside the archive");
  }

  @Test
  void neverOverwritesOrFollowsLinksInTheTarget() throws Exception {
    RawZip z = new RawZip();
    z.stored("new.txt", "new");
    z.stored("keep.txt", "overwritten!");
    rejected(z.bytes(), "keep.txt", Problem.CONFLICT, "already exists in the target");

    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path link = Files.createSymbolicLink(target.resolve("out"), outside);
    RawZip through = new RawZip();
    through.stored("out/x.txt", "escaped");
    Path file = Files.write(tmp.resolve("through.zip"), through.bytes());
    ZipRejectedException e =
        assertThrows(ZipRejectedException.class, () -> SafeUnzip.extract(file, target, MB, 10));
    assertEquals(Problem.CONFLICT, e.problem());
    assertTrue(e.getMessage().contains("symbolic link in the target"), e.getMessage());
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count());
    }
    Files.delete(link);
    assertTargetUntouched();
  }

  @Test
  void aFailedExtractionIntoANewTargetRemovesIt() throws Exception {
    RawZip z = new RawZip();
    z.stored("x/y/z.txt", "first");
    z.stored("x/bad.txt", "data").crc(1);
    Path fresh = tmp.resolve("fresh/target");
    Path file = Files.write(tmp.resolve("bad.zip"), z.bytes());
    assertThrows(ZipRejectedException.class, () -> SafeUnzip.extract(file, fresh, MB, 10));
    assertFalse(Files.exists(tmp.resolve("fresh")));
  }

  @Test
  void refusesAStreamLargerThanTheLimitsAllow() throws Exception {
    long limit = 1000;
    int entries = 1;
    long spool = SafeUnzip.spoolLimit(limit, entries);
    assertEquals(1000 + 1 + 2048 + 65536, spool);
    byte[] huge = new byte[(int) spool + 1];
    ZipRejectedException e =
        assertThrows(
            ZipRejectedException.class,
            () -> SafeUnzip.extract(new ByteArrayInputStream(huge), target, limit, entries));
    assertEquals(Problem.TOO_LARGE, e.problem());
    assertTrue(
        e.getMessage().startsWith("zip archive rejected: archive is larger than"), e.getMessage());
    assertTargetUntouched();
    assertEquals(Long.MAX_VALUE, SafeUnzip.spoolLimit(Long.MAX_VALUE, Integer.MAX_VALUE));
  }
}
