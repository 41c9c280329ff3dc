package ai.cocos.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The deterministic zip: same tree, same bytes; and every common reader reads it. */
class DeterministicZipTest {
  static final String PYTHON =
      Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

  @TempDir Path tmp;

  /** Relative path to content; every file gets mode 0644 unless listed in {@link #MODES}. */
  static final Map<String, String> TREE = new LinkedHashMap<>();

  static final Map<String, String> MODES =
      Map.of("bin/run.sh", "rwxr-xr-x", "secret.key", "rw-------", "ro.txt", "r--r--r--");

  static {
    TREE.put("z.txt", "last\n");
    TREE.put("a/b", "nested\n");
    TREE.put("a-c", "dash sorts before slash\n");
    TREE.put("a.txt", "dot sorts before slash too\n");
    TREE.put("B", "upper case first\n");
    TREE.put("bin/run.sh", "#!/bin/sh\necho hi\n");
    TREE.put("secret.key", "not really\n");
    TREE.put("ro.txt", "read only\n");
    TREE.put("données/é.csv", "a,b\n1,2\n");
    TREE.put("deep/er/and/deeper/file.bin", "x".repeat(70_000));
    TREE.put("empty", "");
  }

  /** The entry order the format promises: byte-wise UTF-8. */
  static final List<String> SORTED =
      List.of(
          "B",
          "a-c",
          "a.txt",
          "a/b",
          "bin/run.sh",
          "deep/er/and/deeper/file.bin",
          "données/é.csv",
          "empty",
          "ro.txt",
          "secret.key",
          "z.txt");

  /** Creates {@link #TREE} under {@code root}, in the given order, with the given mtime. */
  static Path makeTree(Path root, boolean reverse, Instant mtime) throws IOException {
    List<String> names = new ArrayList<>(TREE.keySet());
    if (reverse) {
      Collections.reverse(names);
    }
    Files.createDirectories(root);
    for (String name : names) {
      Path f = root.resolve(name);
      Files.createDirectories(f.getParent());
      Files.writeString(f, TREE.get(name));
      Files.setPosixFilePermissions(
          f, PosixFilePermissions.fromString(MODES.getOrDefault(name, "rw-r--r--")));
      Files.setLastModifiedTime(f, FileTime.from(mtime));
    }
    Files.createDirectories(root.resolve("empty-dir/inside"));
    return root;
  }

  static byte[] zip(Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = DeterministicZip.write(dir, out);
    assertEquals(out.size(), n);
    return out.toByteArray();
  }

  @Test
  @ResourceLock("java.util.TimeZone")
  void sameTreeSameBytesAcrossTimeZonesOrderAndMtimes() throws Exception {
    TimeZone saved = TimeZone.getDefault();
    try {
      TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Kiritimati")); // UTC+14
      byte[] first =
          zip(makeTree(tmp.resolve("one"), false, Instant.parse("2024-02-29T23:59:59Z")));
      byte[] again = zip(tmp.resolve("one"));
      TimeZone.setDefault(TimeZone.getTimeZone("America/Adak")); // UTC-10/-9, with DST
      byte[] second =
          zip(makeTree(tmp.resolve("two"), true, Instant.parse("1999-12-31T12:00:00Z")));
      assertArrayEquals(first, again, "two runs");
      assertArrayEquals(first, second, "other time zone, creation order and mtimes");
      assertArrayEquals(Sha3.digest(first), DeterministicZip.hashOf(tmp.resolve("two")));
    } finally {
      TimeZone.setDefault(saved);
    }
  }

  @Test
  void formatIsPinned() throws Exception {
    // Any change to the documented format changes this hash: update the Javadoc with it.
    Path dir = tmp.resolve("pinned");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/b.txt"), "bee\n");
    Files.writeString(dir.resolve("a.txt"), "ay\n");
    Files.setPosixFilePermissions(
        dir.resolve("a.txt"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(
        dir.resolve("sub/b.txt"), PosixFilePermissions.fromString("rwxr-x---"));
    byte[] zip = zip(dir);
    ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0x04034b50, b.getInt(0), "local header");
    assertEquals(20, b.getShort(4), "version needed 2.0");
    assertEquals(0x0800, b.getShort(6), "flags: UTF-8");
    assertEquals(0, b.getShort(8), "stored");
    assertEquals(0, b.getShort(10), "DOS time 00:00:00");
    assertEquals(0x21, b.getShort(12), "DOS date 1980-01-01");
    CRC32 crc = new CRC32();
    crc.update("ay\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals((int) crc.getValue(), b.getInt(14));
    assertEquals(3, b.getInt(18));
    assertEquals(3, b.getInt(22));
    assertEquals(5, b.getShort(26), "name length");
    assertEquals(9, b.getShort(28), "extra: extended timestamp only");
    assertEquals("a.txt", new String(zip, 30, 5, StandardCharsets.UTF_8));
    assertEquals(0x5455, b.getShort(35));
    assertEquals(5, b.getShort(37));
    assertEquals(1, b.get(39));
    assertEquals(0, b.getInt(40), "mtime 0 = 1970-01-01T00:00:00Z");
    assertEquals("ay\n", new String(zip, 44, 3, StandardCharsets.US_ASCII));
    int cd = b.getInt(zip.length - 6);
    assertEquals(0x02014b50, b.getInt(cd));
    assertEquals(0x0314, b.getShort(cd + 4), "made by Unix, 2.0");
    assertEquals(0100644 << 16, b.getInt(cd + 38), "external attributes");
    assertEquals(245, zip.length);
    // Computed independently by a Python script that packs the documented fields with struct.
    assertEquals(
        "e3e9f7194f1ac9cfb89b1b5bf4fdc116173fe2cd30227521457737bc79cbe8fd",
        HexFormat.of().formatHex(Sha3.digest(zip)));
  }

  @Test
  void javaZipInputStreamAndZipFileReadIt() throws Exception {
    Path dir = makeTree(tmp.resolve("tree"), false, Instant.now());
    byte[] zip = zip(dir);
    assertEquals(SORTED, readWithZipInputStream(zip, true));
    Path file = tmp.resolve("tree.zip");
    Files.write(file, zip);
    assertEquals(SORTED, readWithZipFile(file));
  }

  static List<String> readWithZipInputStream(byte[] zip, boolean checkContent) throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
        assertEquals(ZipEntry.STORED, e.getMethod());
        assertEquals(0, e.getLastModifiedTime().toMillis(), "mtime is the Unix epoch");
        String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (checkContent) {
          assertEquals(TREE.get(e.getName()), content, e.getName());
        }
      }
    }
    return names;
  }

  static List<String> readWithZipFile(Path file) throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipFile z = new ZipFile(file.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        names.add(e.getName());
        try (var in = z.getInputStream(e)) {
          assertEquals(
              TREE.get(e.getName()), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return names;
  }

  /** Python's zipfile: names, content, Unix modes, the read-only DOS bit, and {@code -l}. */
  static void checkWithPython(Path zipFile) throws Exception {
    String script =
        String.join(
            "\n",
            "import sys, zipfile, json",
            "z = zipfile.ZipFile(sys.argv[1])",
            "assert z.testzip() is None",
            "print(json.dumps([[i.filename, oct(i.external_attr >> 16), i.external_attr & 0xff,",
            "  i.create_system, z.read(i).decode('utf-8'), list(i.date_time)] for i in z.infolist()]))");
    String out =
        new String(
            Tools.ok(zipFile.getParent(), null, PYTHON, "-c", script, zipFile.toString()),
            StandardCharsets.UTF_8);
    List<String> names = new ArrayList<>();
    // Each entry prints as [name, mode, DOS attributes, system, content, date].
    for (String name : SORTED) {
      String mode = "0o100" + modeOctal(MODES.getOrDefault(name, "rw-r--r--"));
      int dos = name.equals("ro.txt") ? 1 : 0;
      String expected =
          "["
              + json(name)
              + ", \""
              + mode
              + "\", "
              + dos
              + ", 3, "
              + json(TREE.get(name))
              + ", [1980, 1, 1, 0, 0, 0]]";
      assertTrue(out.contains(expected), () -> "python sees " + out + "\nexpected " + expected);
      names.add(name);
    }
    int at = -1;
    for (String name : names) {
      int i = out.indexOf(json(name) + ", \"0o");
      assertTrue(i > at, "python lists in sorted order: " + name);
      at = i;
    }
    String listing =
        new String(
            Tools.ok(zipFile.getParent(), null, PYTHON, "-m", "zipfile", "-l", zipFile.toString()),
            StandardCharsets.UTF_8);
    for (String name : SORTED) {
      assertTrue(listing.contains(name), listing);
    }
  }

  private static String modeOctal(String perms) {
    int bits = 0;
    for (int i = 0; i < 9; i++) {
      if (perms.charAt(i) != '-') {
        bits |= 1 << (8 - i);
      }
    }
    return String.format("%o", bits);
  }

  /** Python's json.dumps of a string (ASCII-escaped). */
  private static String json(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '\n') {
        sb.append("\\n");
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** Info-ZIP unzip: integrity test, listing with permissions, extraction of content. */
  static void checkWithUnzip(Path zipFile) throws Exception {
    String test =
        new String(
            Tools.ok(zipFile.getParent(), null, "unzip", "-t", zipFile.toString()),
            StandardCharsets.UTF_8);
    assertTrue(test.contains("No errors detected"), test);
    String info =
        new String(
            Tools.ok(zipFile.getParent(), null, "zipinfo", zipFile.toString()),
            StandardCharsets.UTF_8);
    assertTrue(info.contains("-rwxr-xr-x  2.0 unx"), info);
    assertTrue(info.contains("-rw-------  2.0 unx"), info);
    // (Dates are left out: zipinfo prints the extended timestamp in the local time zone.)
    for (String name : SORTED) {
      byte[] content = Tools.ok(zipFile.getParent(), null, "unzip", "-p", zipFile.toString(), name);
      assertEquals(TREE.get(name), new String(content, StandardCharsets.UTF_8), name);
    }
  }

  @Test
  void pythonAndUnzipReadIt() throws Exception {
    Path dir = makeTree(tmp.resolve("tree"), false, Instant.now());
    Path file = tmp.resolve("tree.zip");
    Files.write(file, zip(dir));
    checkWithPython(file);
    checkWithUnzip(file);
  }

  @Test
  void zip64RecordsAreReadByEveryReader() throws Exception {
    Path dir = makeTree(tmp.resolve("tree"), false, Instant.now());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeterministicZip.write(dir, out, true);
    byte[] zip = out.toByteArray();
    assertEquals(
        0x06064b50,
        ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(zip.length - 22 - 20 - 56),
        "zip64 end record");
    assertEquals(SORTED, readWithZipInputStream(zip, true));
    Path file = tmp.resolve("tree64.zip");
    Files.write(file, zip);
    assertEquals(SORTED, readWithZipFile(file));
    checkWithPython(file);
    String test =
        new String(Tools.ok(tmp, null, "unzip", "-t", file.toString()), StandardCharsets.UTF_8);
    assertTrue(test.contains("No errors detected"), test);
    Path back = tmp.resolve("back");
    SafeUnzip.extract(file, back, 1 << 20, 100);
    for (String name : SORTED) {
      assertEquals(TREE.get(name), Files.readString(back.resolve(name)));
    }
  }

  @Test
  void emptyDirectoryGivesAnEmptyZip() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty/sub/sub"));
    byte[] zip = zip(tmp.resolve("empty"));
    assertEquals(22, zip.length, "only the end record");
    assertEquals(0x06054b50, ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
    assertEquals(List.of(), readWithZipInputStream(zip, true));
    Path file = tmp.resolve("empty.zip");
    Files.write(file, zip);
    try (ZipFile z = new ZipFile(file.toFile())) {
      assertEquals(0, z.size());
    }
    Tools.ok(tmp, null, PYTHON, "-m", "zipfile", "-l", file.toString());
    assertTrue(Files.isDirectory(dir));
  }

  @Test
  void symlinksAndSpecialFilesAreSkippedNeverFollowed() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "must not appear");
    Path dir = Files.createDirectories(tmp.resolve("tree"));
    Files.writeString(dir.resolve("real.txt"), "real");
    Files.createSymbolicLink(dir.resolve("link-to-file"), outside.resolve("secret"));
    Files.createSymbolicLink(dir.resolve("link-to-dir"), outside);
    Files.createSymbolicLink(dir.resolve("dangling"), tmp.resolve("nothing-here"));
    Tools.ok(dir, null, "mkfifo", dir.resolve("fifo").toString());
    byte[] zip = zip(dir);
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
      }
    }
    assertEquals(List.of("real.txt"), names);
    assertFalse(new String(zip, StandardCharsets.ISO_8859_1).contains("must not appear"));

    // The directory given may itself be a link: it is resolved first.
    Path link = Files.createSymbolicLink(tmp.resolve("tree-link"), dir);
    assertArrayEquals(zip, zip(link));
  }

  @Test
  void refusesAFile() throws Exception {
    Path f = Files.writeString(tmp.resolve("file"), "x");
    assertThrows(
        NotDirectoryException.class, () -> DeterministicZip.write(f, new ByteArrayOutputStream()));
  }
}
