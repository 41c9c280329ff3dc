package ai.cocos.runner.binary.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.cocos.api.runner.OutputSink.Stream;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinePumpTest {

  @Test
  void splitsOnNewlinesAndDropsCarriageReturns() {
    assertEquals(List.of("a", "", "b", "c"), pump("a\n\nb\r\nc", 1024));
  }

  @Test
  void deliversAFinalLineWithoutNewline() {
    assertEquals(List.of("x", "tail"), pump("x\ntail", 1024));
  }

  @Test
  void deliversNothingForEmptyInput() {
    assertEquals(List.of(), pump("", 1024));
  }

  @Test
  void replacesMalformedUtf8() {
    byte[] bytes = {'o', 'k', (byte) 0xff, '\n'};
    assertEquals(List.of("ok\uFFFD"), pump(bytes, 1024));
  }

  @Test
  void splitsLongLinesAtTheLimit() {
    assertEquals(List.of("abcd", "efgh", "ij"), pump("abcdefghij\n", 4));
  }

  @Test
  void neverTearsAMultiByteCharacterWhenSplitting() {
    // "aé€" is 1 + 2 + 3 bytes; a 4-byte limit would cut inside the euro sign.
    assertEquals(List.of("a\u00e9", "\u20ac"), pump("a\u00e9\u20ac", 4));
    assertEquals(List.of("ab", "\ud83d\ude00"), pump("ab\ud83d\ude00", 4));
  }

  @Test
  void keepsDrainingWhenTheSinkThrows() {
    int[] calls = {0};
    LinePump pump =
        new LinePump(
            new ByteArrayInputStream("1\n2\n3\n".getBytes(StandardCharsets.UTF_8)),
            Stream.STDOUT,
            (stream, line) -> {
              calls[0]++;
              throw new IllegalStateException("sink broken");
            },
            1024);
    pump.run();
    assertEquals(3, calls[0]);
  }

  private static List<String> pump(String text, int max) {
    return pump(text.getBytes(StandardCharsets.UTF_8), max);
  }

  private static List<String> pump(byte[] bytes, int max) {
    RecordingSink sink = new RecordingSink();
    new LinePump(new ByteArrayInputStream(bytes), Stream.STDOUT, sink, max).run();
    return sink.out;
  }
}
