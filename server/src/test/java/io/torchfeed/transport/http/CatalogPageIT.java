package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The catalog page in Debian's headless Chromium, driven through Debian's chromedriver: it shows the fixtures,
 * their parameters, the rejected files and the connected clients, and a publish appears without a reload.
 */
class CatalogPageIT {
  @TempDir
  Path tmp;
  TestServer server;
  WebDriver browser;

  @BeforeEach
  void start() {
    server = TestServer.withAdmin(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"), 0,
        1L << 30);
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--window-size=1280,2000", "--user-data-dir=" + tmp.resolve("chromium"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    server.close();
  }

  private WebDriverWait waiting() {
    return new WebDriverWait(browser, Duration.ofSeconds(30));
  }

  @Test
  void showsTheCatalogAndAPublishWithoutAReload() throws Exception {
    try (TorchfeedClient subscriber = server.client()) {
      subscriber.subscribe(List.of("toynet"));
      browser.get("http://127.0.0.1:" + server.httpAddress().getPort() + "/");
      waiting().until(ExpectedConditions.textToBe(By.id("live"), "live"));
      for (String name : Fixtures.GOOD) {
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-model='" + name + "']")));
      }
      WebElement toynet = browser.findElement(By.cssSelector("[data-model='toynet']"));
      toynet.findElement(By.cssSelector("details[data-version='1'] summary")).click();
      assertTrue(toynet.getText().contains("conv0.weight"), toynet.getText());
      assertTrue(toynet.getText().contains("[6, 1, 5, 5]"), toynet.getText());
      assertEquals(Fixtures.BAD.size(), browser.findElements(By.cssSelector("#rejected tr[data-path]")).size());
      assertTrue(browser.findElement(By.id("rejected")).getText().contains("bad-state-dict/1/model.pt"));
      waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("clients"), "torchfeed-java"));

      Path upload = tmp.resolve("upload.pt");
      Files.copy(Fixtures.model("toynet"), upload, StandardCopyOption.REPLACE_EXISTING);
      HttpResponse<byte[]> published = new HttpApi(server).upload("/v1/models/toynet/versions", upload,
          HttpApi.ADMIN);
      assertEquals(201, published.statusCode(), new String(published.body()));

      waiting().until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("[data-model='toynet'] details[data-version='2']")));
      waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("events"), "published toynet:2"));
      assertTrue(browser.findElement(By.cssSelector("[data-model='toynet'] details[data-version='2']")).getText()
          .contains("latest"));
      assertEquals("true", browser.findElement(By.cssSelector("[data-model='toynet'] details[data-version='1']"))
          .getAttribute("open"), "a section the user opened stays open across live updates");
      byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
      Path screenshot = Path.of("target", "catalog-page.png");
      Files.write(screenshot, png);
      assertTrue(png.length > 10_000, "a screenshot of the page: " + screenshot.toAbsolutePath());
    }
  }
}
