package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.RunnerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageArchiveTest {
  @TempDir Path dir;

  @Test
  void readsTheImageItHolds() throws Exception {
    Path tar = dir.resolve("image.tar");
    String id = TestImages.write(tar, new TestImages.Spec().script("true").tags("a/b:1", "a/b:2"));

    ImageArchive a = ImageArchive.read(tar);

    assertEquals(id, a.imageId());
    assertEquals(List.of("a/b:1", "a/b:2"), a.repoTags());
    assertEquals(2, a.diffIds().size());
    assertTrue(a.diffIds().get(0).startsWith("sha256:"));
  }

  @Test
  void untaggedImageHasNoTags() throws Exception {
    Path tar = dir.resolve("image.tar");
    TestImages.write(tar, new TestImages.Spec().script("true"));
    assertEquals(List.of(), ImageArchive.read(tar).repoTags());
  }

  @Test
  void notATarArchive() throws IOException {
    Path f = Files.writeString(dir.resolve("algo"), "#!/bin/sh\necho hi\n".repeat(40));
    assertRefused(f, "tar header at offset 0 is corrupt");
  }

  @Test
  void truncatedArchive() throws Exception {
    Path tar = dir.resolve("image.tar");
    TestImages.write(tar, new TestImages.Spec().script("true"));
    byte[] all = Files.readAllBytes(tar);
    Path cut = Files.write(dir.resolve("cut.tar"), Arrays.copyOf(all, all.length / 2));
    assertRefused(cut, "past the file's end");
  }

  @Test
  void emptyFile() throws IOException {
    assertRefused(Files.write(dir.resolve("empty"), new byte[0]), "ends without");
  }

  @Test
  void tarWithoutManifest() throws IOException {
    Path tar = write("plain.tar", new TarWriter.Entry("readme.txt", bytes("hi")));
    assertRefused(tar, "it has no manifest.json");
  }

  @Test
  void archiveWithTwoImages() throws IOException {
    Path tar =
        write(
            "two.tar",
            new TarWriter.Entry(
                "manifest.json",
                Json.write(List.of(Map.of("Config", "a.json"), Map.of("Config", "b.json")))));
    assertRefused(tar, "it holds 2 images; a docker algorithm must be exactly one image");
  }

  @Test
  void missingConfigOrLayer() throws IOException {
    assertRefused(
        write(
            "noconfig.tar",
            new TarWriter.Entry(
                "manifest.json",
                Json.write(List.of(Map.of("Config", "c.json", "Layers", List.of()))))),
        "image config c.json named by manifest.json is missing");
    assertRefused(
        write(
            "nolayer.tar",
            new TarWriter.Entry(
                "manifest.json",
                Json.write(List.of(Map.of("Config", "c.json", "Layers", List.of("l/layer.tar"))))),
            new TarWriter.Entry("c.json", bytes("{}"))),
        "layer l/layer.tar named by manifest.json is missing");
  }

  @Test
  void configWhoseLayersDisagreeWithTheManifest() throws IOException {
    assertRefused(
        write(
            "mismatch.tar",
            new TarWriter.Entry(
                "manifest.json",
                Json.write(List.of(Map.of("Config", "c.json", "Layers", List.of("l.tar"))))),
            new TarWriter.Entry("l.tar", new byte[0]),
            new TarWriter.Entry("c.json", bytes("{\"rootfs\":{\"diff_ids\":[]}}"))),
        "its config lists 0 layers but manifest.json 1");
  }

  @Test
  void manifestThatIsNotJson() throws IOException {
    assertRefused(
        write("bad.tar", new TarWriter.Entry("manifest.json", bytes("[{"))), "malformed JSON");
  }

  @Test
  void paxLongNamesAreUnderstood() throws Exception {
    String longName = "blobs/sha256/" + "d".repeat(120) + ".json";
    byte[] config = bytes("{\"rootfs\":{\"diff_ids\":[]}}");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarWriter t = new TarWriter(out);
    t.paxPath(longName);
    t.file("placeholder-name", 0644, config);
    t.file(
        "./manifest.json",
        0644,
        Json.write(List.of(Map.of("Config", longName, "Layers", List.of()))));
    t.finish();
    Path tar = Files.write(dir.resolve("pax.tar"), out.toByteArray());

    ImageArchive a = ImageArchive.read(tar);

    assertEquals("sha256:" + TestImages.sha256(config), a.imageId());
  }

  @Test
  void indexSkipsFileDataWithoutReadingIt() throws Exception {
    Path tar = dir.resolve("image.tar");
    TestImages.write(tar, new TestImages.Spec().script("true"));
    Map<String, TarIndex.Entry> files = TarIndex.read(tar);
    assertTrue(files.containsKey("manifest.json"), files.keySet().toString());
    TarIndex.Entry m = files.get("manifest.json");
    assertTrue(
        new String(TarIndex.readEntry(tar, m, 1 << 20, "manifest.json"), StandardCharsets.UTF_8)
            .startsWith("[{\"Config\""));
  }

  private Path write(String name, TarWriter.Entry... entries) throws IOException {
    return Files.write(dir.resolve(name), TarWriter.tarOf(entries));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertRefused(Path archive, String part) {
    RunnerException e = assertThrows(RunnerException.class, () -> ImageArchive.read(archive));
    assertTrue(
        e.getMessage()
            .startsWith(
                "algorithm " + archive.getFileName() + " is not a usable docker image archive: "),
        e.getMessage());
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
