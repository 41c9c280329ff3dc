package ai.cocos.runner.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.cocos.api.runner.OutputSink.Stream;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

  @Test
  void splitsOnNewlinesAndDropsCarriageReturns() {
    assertEquals(List.of("a", "", "b", "c"), split("a\n\nb\r\nc", 1024));
  }

  @Test
  void deliversAFinalLineWithoutNewlineOnlyWhenFinished() {
    RecordingSink sink = new RecordingSink();
    LineSplitter splitter = new LineSplitter(Stream.STDOUT, sink, 1024);
    byte[] bytes = "x\ntail".getBytes(StandardCharsets.UTF_8);
    splitter.write(bytes, 0, bytes.length);
    assertEquals(List.of("x"), sink.out);
    splitter.finish();
    assertEquals(List.of("x", "tail"), sink.out);
    splitter.finish(); // nothing pending: no empty line
    assertEquals(List.of("x", "tail"), sink.out);
  }

  @Test
  void deliversNothingForEmptyInput() {
    assertEquals(List.of(), split("", 1024));
  }

  @Test
  void replacesMalformedUtf8() {
    byte[] bytes = {'o', 'k', (byte) 0xff, '\n'};
    assertEquals(List.of("ok\uFFFD"), split(bytes, 1024, bytes.length));
  }

  @Test
  void splitsLongLinesAtTheLimit() {
    assertEquals(List.of("abcd", "efgh", "ij"), split("abcdefghij\n", 4));
  }

  @Test
  void neverTearsAMultiByteCharacterWhenSplitting() {
    // "aé€" is 1 + 2 + 3 bytes; a 4-byte limit would cut inside the euro sign.
    assertEquals(List.of("a\u00e9", "\u20ac"), split("a\u00e9\u20ac", 4));
    assertEquals(List.of("ab", "\ud83d\ude00"), split("ab\ud83d\ude00", 4));
  }

  @Test
  void theSameLinesWhateverTheWriteSizes() {
    String text =
        "first line\r\nsecond \u00e9\u20ac\ud83d\ude00 line\n\nlong" + "x".repeat(50) + "\nend";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    List<String> whole = split(bytes, 16, bytes.length);
    for (int chunk = 1; chunk <= 7; chunk++) {
      assertEquals(whole, split(bytes, 16, chunk), "chunk size " + chunk);
    }
    assertEquals("end", whole.get(whole.size() - 1));
  }

  @Test
  void keepsGoingWhenTheSinkThrows() {
    int[] calls = {0};
    LineSplitter splitter =
        new LineSplitter(
            Stream.STDERR,
            (stream, line) -> {
              calls[0]++;
              throw new IllegalStateException("sink broken");
            },
            1024);
    byte[] bytes = "1\n2\n3".getBytes(StandardCharsets.UTF_8);
    splitter.write(bytes, 0, bytes.length);
    splitter.finish();
    assertEquals(3, calls[0]);
  }

  @Test
  void deliversNothingOnceDetached() {
    RecordingSink sink = new RecordingSink();
    LineSplitter splitter = new LineSplitter(Stream.STDOUT, sink, 1024);
    byte[] one = "one\n".getBytes(StandardCharsets.UTF_8);
    splitter.write(one, 0, one.length);
    splitter.detach();
    byte[] two = "two\nthree".getBytes(StandardCharsets.UTF_8);
    splitter.write(two, 0, two.length);
    splitter.finish();
    assertEquals(List.of("one"), sink.out);
  }

  @Test
  void refusesATinyLimitAndABadRange() {
    assertThrows(
        IllegalArgumentException.class, () -> new LineSplitter(Stream.STDOUT, (s, l) -> {}, 3));
    LineSplitter splitter = new LineSplitter(Stream.STDOUT, (s, l) -> {}, 4);
    assertThrows(IndexOutOfBoundsException.class, () -> splitter.write(new byte[2], 1, 2));
  }

  @Test
  void outputStreamDeliversLinesAndFinishesOnClose() {
    RecordingSink sink = new RecordingSink();
    try (LineOutputStream out = new LineOutputStream(Stream.STDERR, sink, 1024)) {
      out.write('a');
      out.write('\n');
      out.write("b\nc".getBytes(StandardCharsets.UTF_8));
      assertEquals(List.of("a", "b"), sink.err);
    }
    assertEquals(List.of("a", "b", "c"), sink.err);
  }

  @Test
  void pumpReadsToTheEndAndFinishes() {
    RecordingSink sink = new RecordingSink();
    new LinePump(
            new ByteArrayInputStream("x\ny".getBytes(StandardCharsets.UTF_8)),
            Stream.STDOUT,
            sink,
            1024)
        .run();
    assertEquals(List.of("x", "y"), sink.out);
  }

  private static List<String> split(String text, int max) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return split(bytes, max, bytes.length);
  }

  /** Writes the bytes in chunks of the given size, then finishes. */
  private static List<String> split(byte[] bytes, int max, int chunk) {
    RecordingSink sink = new RecordingSink();
    LineSplitter splitter = new LineSplitter(Stream.STDOUT, sink, max);
    for (int off = 0; off < bytes.length; off += chunk) {
      splitter.write(bytes, off, Math.min(chunk, bytes.length - off));
    }
    splitter.finish();
    return sink.out;
  }
}
