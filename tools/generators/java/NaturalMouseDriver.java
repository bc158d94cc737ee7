import com.github.joonasvali.naturalmouse.api.MouseInfoAccessor;
import com.github.joonasvali.naturalmouse.api.MouseMotionFactory;
import com.github.joonasvali.naturalmouse.api.SystemCalls;
import com.github.joonasvali.naturalmouse.support.DefaultMouseMotionNature;
import com.github.joonasvali.naturalmouse.support.DefaultOvershootManager;
import com.github.joonasvali.naturalmouse.util.FactoryTemplates;
import java.awt.Dimension;
import java.awt.Point;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;

/**
 * Runs NaturalMouseMotion's own movement code, unchanged, on a virtual clock: the system calls it
 * is given record every position it sets and advance the clock by its sleeps, as java.awt.Robot
 * and Thread.sleep would on a desktop.
 *
 * <p>One request per line on stdin: {@code seed template x0 y0 x1 y1 [template x0 y0 x1 y1 ...]},
 * where template is one of the library's FactoryTemplates (default, average, gamer, granny) for
 * that move. One answer per line on stdout: for each move, {@code t x y} triples from its start
 * joined by spaces, moves separated by {@code |}. Everything random is seeded from the request's seed, including the
 * library's calls to Math.random (its speed manager draws flows and durations with it), so the
 * same request gives the same answer.
 */
public final class NaturalMouseDriver {
  private static final Dimension SCREEN = new Dimension(1920, 1080);

  /** The desktop as the library sees it: a pointer and a clock that only its sleeps move. */
  private static final class Desktop implements SystemCalls, MouseInfoAccessor {
    private final Random jitter;
    private double nowMs;
    private int x;
    private int y;
    private final StringBuilder out = new StringBuilder();

    Desktop(Random jitter) {
      this.jitter = jitter;
    }

    void startMove(int x0, int y0) {
      x = x0;
      y = y0;
      nowMs = 0.0;
      out.setLength(0);
      record();
    }

    private void record() {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(String.format(Locale.ROOT, "%.3f %d %d", nowMs, x, y));
    }

    @Override
    public long currentTimeMillis() {
      return (long) Math.floor(nowMs);
    }

    @Override
    public void sleep(long ms) {
      // Thread.sleep wakes a little late (Linux: 0.05-0.15 ms past the requested time).
      nowMs += ms + 0.05 + 0.1 * jitter.nextDouble();
    }

    @Override
    public Dimension getScreenSize() {
      return SCREEN;
    }

    @Override
    public void setMousePosition(int newX, int newY) {
      // One injected move (Robot.mouseMove) takes 0.05-0.2 ms; the same position makes no event.
      nowMs += 0.05 + 0.15 * jitter.nextDouble();
      if (newX != x || newY != y) {
        x = newX;
        y = newY;
        record();
      }
    }

    @Override
    public Point getMousePosition() {
      return new Point(x, y);
    }
  }

  private static MouseMotionFactory factory(String template, DefaultMouseMotionNature nature) {
    switch (template) {
      case "default":
        return new MouseMotionFactory(nature);
      case "average":
        return FactoryTemplates.createAverageComputerUserMotionFactory(nature);
      case "gamer":
        return FactoryTemplates.createFastGamerMotionFactory(nature);
      case "granny":
        return FactoryTemplates.createGrannyMotionFactory(nature);
      default:
        throw new IllegalArgumentException("unknown template " + template);
    }
  }

  /** Seeds the generator behind Math.random (needs --add-opens java.base/java.lang). */
  private static void seedMathRandom(long seed) throws ReflectiveOperationException {
    Math.random(); // creates the holder's generator
    Class<?> holder = Class.forName("java.lang.Math$RandomNumberGeneratorHolder");
    Field field = holder.getDeclaredField("randomNumberGenerator");
    field.setAccessible(true);
    ((Random) field.get(null)).setSeed(seed);
  }

  private static String answer(String line) throws Exception {
    String[] parts = line.trim().split("\\s+");
    long seed = Long.parseLong(parts[0]);
    seedMathRandom(seed);
    Random random = new Random(seed + 1);
    Desktop desktop = new Desktop(new Random(seed + 2));
    Random overshoots = new Random(seed + 3);
    StringBuilder reply = new StringBuilder();
    for (int i = 1; i + 4 < parts.length; i += 5) {
      DefaultMouseMotionNature nature = new DefaultMouseMotionNature(desktop, desktop);
      nature.setOvershootManager(new DefaultOvershootManager(overshoots));
      MouseMotionFactory motions = factory(parts[i], nature);
      motions.setRandom(random);
      desktop.startMove(Integer.parseInt(parts[i + 1]), Integer.parseInt(parts[i + 2]));
      motions.move(Integer.parseInt(parts[i + 3]), Integer.parseInt(parts[i + 4]));
      if (reply.length() > 0) {
        reply.append('|');
      }
      reply.append(desktop.out);
    }
    return reply.toString();
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      out.println(answer(line));
      out.flush();
    }
  }
}
