package ai.cocos.runner.docker.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the Engine API speaks, as plain Java values: objects are {@code Map<String, Object>},
 * arrays {@code List<Object>}, numbers {@code Long} or {@code Double}, and {@code String}, {@code
 * Boolean} or {@code null}. Read and written with Jackson's streaming API (jackson-core, already a
 * bundle of the agent), which keeps this bundle free of a data-binding library.
 */
final class Json {
  /** How deep engine responses may nest (image and container inspections need about 6). */
  static final int MAX_DEPTH = 64;

  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

  private Json() {}

  /**
   * Reads one JSON document.
   *
   * @param bytes the document
   * @return its value
   * @throws ProtocolException if it is not JSON
   */
  static Object parse(byte[] bytes) throws ProtocolException {
    List<Object> values = parseAll(bytes);
    if (values.size() != 1) {
      throw new ProtocolException("expected one JSON value, found " + values.size());
    }
    return values.get(0);
  }

  /**
   * Reads a sequence of JSON documents, as streamed by the engine's progress responses (one object
   * per line).
   *
   * @param bytes the documents
   * @return their values in order
   * @throws ProtocolException if they are not JSON
   */
  static List<Object> parseAll(byte[] bytes) throws ProtocolException {
    List<Object> values = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(bytes)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        values.add(value(p, t, 0));
      }
    } catch (IOException e) {
      throw new ProtocolException("malformed JSON: " + e.getMessage());
    }
    return values;
  }

  /**
   * Reads a JSON object.
   *
   * @param bytes the document
   * @return its members
   * @throws ProtocolException if it is not a JSON object
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> object(byte[] bytes) throws ProtocolException {
    Object v = parse(bytes);
    if (!(v instanceof Map)) {
      throw new ProtocolException("expected a JSON object from the engine");
    }
    return (Map<String, Object>) v;
  }

  /**
   * Writes a value as JSON.
   *
   * @param value maps, lists, strings, numbers, booleans and nulls
   * @return the UTF-8 bytes
   */
  static byte[] write(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * A member of an object by path, or {@code null} if any step is missing or not an object.
   *
   * @param root an object
   * @param path member names
   * @return the value or {@code null}
   */
  static Object at(Object root, String... path) {
    Object v = root;
    for (String name : path) {
      if (!(v instanceof Map<?, ?> m)) {
        return null;
      }
      v = m.get(name);
    }
    return v;
  }

  /**
   * A string member by path.
   *
   * @param root an object
   * @param path member names
   * @return the string, or {@code null} if missing or not a string
   */
  static String string(Object root, String... path) {
    return at(root, path) instanceof String s ? s : null;
  }

  /**
   * A list of strings by path; {@code null} and non-string elements give an empty list.
   *
   * @param root an object
   * @param path member names
   * @return the strings (empty if missing or {@code null})
   * @throws ProtocolException if it is present but not an array of strings
   */
  static List<String> strings(Object root, String... path) throws ProtocolException {
    Object v = at(root, path);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new ProtocolException(String.join(".", path) + " is not an array");
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw new ProtocolException(String.join(".", path) + " holds a non-string");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  private static Object value(JsonParser p, JsonToken t, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new ProtocolException("JSON nests deeper than " + MAX_DEPTH);
    }
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          m.putIfAbsent(name, value(p, p.nextToken(), depth + 1));
        }
        return Collections.unmodifiableMap(m);
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        JsonToken next;
        while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
          l.add(value(p, next, depth + 1));
        }
        return Collections.unmodifiableList(l);
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          return p.getDecimalValue().doubleValue();
        }
        return Long.valueOf(p.getLongValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new ProtocolException("unexpected JSON token " + t);
    }
  }

  private static void write(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(e.getKey().toString());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      for (Object o : l) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else {
      throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
    }
  }
}
