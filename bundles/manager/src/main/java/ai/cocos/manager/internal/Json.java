package ai.cocos.manager.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The manager's state files as JSON trees of maps, lists, strings, longs, booleans and nulls
 * (jackson-core's streaming API only: the manager never binds JSON to classes).
 */
final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Json() {}

  /**
   * Writes a tree.
   *
   * @param tree maps (string keys), lists, strings, numbers, booleans, nulls
   * @return pretty UTF-8 JSON
   */
  static byte[] write(Object tree) {
    byte[] pretty = write(tree, true);
    byte[] out = java.util.Arrays.copyOf(pretty, pretty.length + 1);
    out[pretty.length] = '\n';
    return out;
  }

  /**
   * Writes a tree on one line (event details).
   *
   * @param tree maps (string keys), lists, strings, numbers, booleans, nulls
   * @return compact UTF-8 JSON
   */
  static byte[] writeCompact(Object tree) {
    return write(tree, false);
  }

  private static byte[] write(Object tree, boolean pretty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      write(g, tree);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON to memory", e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        g.writeFieldName(e.getKey().toString());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Integer || value instanceof Long) {
      g.writeNumber(((Number) value).longValue());
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
    }
  }

  /**
   * Reads a tree.
   *
   * @param json UTF-8 JSON
   * @return the tree: {@link LinkedHashMap}, {@link ArrayList}, String, Long, Double, Boolean or
   *     null
   * @throws IOException if it is not one JSON value
   */
  static Object read(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IOException("empty JSON");
      }
      Object value = read(p, t);
      if (p.nextToken() != null) {
        throw new IOException("trailing content after the JSON value");
      }
      return value;
    }
  }

  private static Object read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
          String name = p.currentName();
          m.put(name, read(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
          l.add(read(p, n));
        }
        return l;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return p.getLongValue();
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
      default -> throw new IOException("unexpected JSON token " + t);
    }
  }

  /** Typed access to a JSON object read back, with messages that name the field. */
  record Obj(Map<?, ?> map, String where) {
    static Obj of(Object tree, String where) throws IOException {
      if (tree instanceof Map<?, ?> m) {
        return new Obj(m, where);
      }
      throw new IOException(where + ": expected a JSON object");
    }

    String string(String field) throws IOException {
      Object v = map.get(field);
      if (v instanceof String s) {
        return s;
      }
      throw new IOException(where + ": '" + field + "' must be a string");
    }

    String string(String field, String fallback) throws IOException {
      return map.get(field) == null ? fallback : string(field);
    }

    long number(String field, long fallback) throws IOException {
      Object v = map.get(field);
      if (v == null) {
        return fallback;
      }
      if (v instanceof Long l) {
        return l;
      }
      throw new IOException(where + ": '" + field + "' must be an integer");
    }

    boolean bool(String field) throws IOException {
      Object v = map.get(field);
      if (v == null) {
        return false;
      }
      if (v instanceof Boolean b) {
        return b;
      }
      throw new IOException(where + ": '" + field + "' must be true or false");
    }

    List<?> list(String field) throws IOException {
      Object v = map.get(field);
      if (v == null) {
        return List.of();
      }
      if (v instanceof List<?> l) {
        return l;
      }
      throw new IOException(where + ": '" + field + "' must be an array");
    }

    Obj obj(String field) throws IOException {
      return of(map.get(field), where + "." + field);
    }
  }
}
