package io.torchfeed.transport.http;

import io.torchfeed.bus.EventBus;
import io.torchfeed.event.EventJson;
import io.torchfeed.transport.tcp.ClientRegistry;
import io.undertow.Handlers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xnio.IoUtils;

/**
 * The live part of the API: {@code GET /v1/clients} (the connected TCP clients and what they last reported) and
 * {@code /v1/events}, a WebSocket carrying every event of the {@link EventBus} as the JSON of {@link EventJson}
 * (the same documents NOTICE frames carry). Browsers only listen; a socket whose send fails is closed. Events
 * are small and rare (one per publish, alias change or receipt), so they are not capped per socket.
 */
public final class LiveRoutes implements RouteContribution, AutoCloseable {
  private final ClientRegistry clients;
  private final EventBus.Registration registration;
  private final Set<WebSocketChannel> sockets = ConcurrentHashMap.newKeySet();

  public LiveRoutes(ClientRegistry clients, EventBus events) {
    this.clients = clients;
    this.registration = events.addListener(event -> broadcast(EventJson.write(event)));
  }

  @Override
  public void addTo(Router router) {
    router.get("/v1/clients", exchange -> Responses.json(exchange, 200, clients.everyone()));
    router.get("/v1/events", Handlers.websocket(this::opened));
  }

  /** How many browsers listen now. */
  public int listeners() {
    return sockets.size();
  }

  private void opened(WebSocketHttpExchange exchange, WebSocketChannel channel) {
    sockets.add(channel);
    channel.addCloseTask(sockets::remove);
    // browsers send nothing but pings and the close handshake, which the default listener answers
    channel.getReceiveSetter().set(new AbstractReceiveListener() {});
    channel.resumeReceives();
  }

  private void broadcast(String json) {
    for (WebSocketChannel socket : sockets) {
      if (socket.isOpen()) {
        WebSockets.sendText(json, socket, new WebSocketCallback<Void>() {
          @Override
          public void complete(WebSocketChannel channel, Void context) {
            // delivered
          }

          @Override
          public void onError(WebSocketChannel channel, Void context, Throwable throwable) {
            IoUtils.safeClose(channel);
          }
        });
      } else {
        sockets.remove(socket);
      }
    }
  }

  @Override
  public void close() {
    registration.close();
    sockets.forEach(IoUtils::safeClose);
  }
}
