package ai.cocos.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} output: one JSON object per run, on one line, built from maps (in insertion
 * order), lists, strings, numbers, booleans and {@code null}.
 */
final class JsonOut {
  private JsonOut() {}

  /**
   * Prints a value as one line of JSON.
   *
   * @param out where to print
   * @param value the value, usually a {@code LinkedHashMap}
   */
  static void print(PrintWriter out, Object value) {
    out.println(toJson(value));
    out.flush();
  }

  /**
   * Serialises a value.
   *
   * @param value maps with string keys, lists, strings, numbers, booleans or {@code null}
   * @return the JSON text, one line
   */
  static String toJson(Object value) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return w.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Integer i) {
      g.writeNumber(i);
    } else if (value instanceof Long l) {
      g.writeNumber(l);
    } else if (value instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> l) {
      g.writeStartArray();
      for (Object o : l) {
        write(g, o);
      }
      g.writeEndArray();
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }
  }
}
