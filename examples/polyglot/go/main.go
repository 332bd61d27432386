// A small Go service traced with the OpenTelemetry Go SDK, exporting OTLP/HTTP (protobuf, gzip)
// to OTEL_EXPORTER_OTLP_ENDPOINT: an otel-langsmith bridge, or a Collector in front of one; or
// OTLP/gRPC (gzip) when OTEL_EXPORTER_OTLP_PROTOCOL=grpc (the bridge's gRPC address then).
//
//	weather serve [-addr 127.0.0.1:0]   HTTP service: POST /weather {"city": "..."}; continues the
//	                                     caller's trace from its W3C traceparent header
//	weather run [-traces N]             one-shot: N traces "summarize ticket" with nested spans;
//	                                     continues the trace in $TRACEPARENT when set
//
// Both create an LLM-ish span with gen_ai.* attributes (no model is called: the answer is canned).
// Exits non-zero when a span could not be exported, so scripts and tests notice.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const scopeName = "otel-langsmith/examples/polyglot/go"

// exportErrors counts what the SDK reported through otel's error handler (failed exports among them).
var exportErrors atomic.Int64

func main() {
	log.SetFlags(0)
	log.SetPrefix("weather: ")
	if len(os.Args) < 2 {
		log.Fatalf("usage: %s serve [-addr 127.0.0.1:0] | run [-traces N]", os.Args[0])
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		exportErrors.Add(1)
		log.Printf("otel error: %v", err)
	}))
	otel.SetTextMapPropagator(propagation.TraceContext{})

	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (serve or run)", os.Args[1])
	}
	if err == nil && exportErrors.Load() > 0 {
		err = fmt.Errorf("%d OpenTelemetry errors (spans may be missing)", exportErrors.Load())
	}
	if err != nil {
		log.Fatal(err)
	}
}

// newExporter: OTLP with gzip over the protocol OTEL_EXPORTER_OTLP_PROTOCOL names (the SDKs' own
// variable): http/protobuf (default; the exporter appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT)
// or grpc (an http:// endpoint means plaintext; OTEL_EXPORTER_OTLP_HEADERS become call metadata).
func newExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	switch protocol := os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); protocol {
	case "", "http/protobuf":
		return otlptracehttp.New(ctx, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	case "grpc":
		return otlptracegrpc.New(ctx, otlptracegrpc.WithCompressor("gzip"))
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q is not supported here (grpc or http/protobuf)", protocol)
	}
}

// newProvider: the OTLP exporter above, batched; service.name from OTEL_SERVICE_NAME, else the
// given default.
func newProvider(ctx context.Context, defaultService string) (*sdktrace.TracerProvider, error) {
	exporter, err := newExporter(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	service := os.Getenv("OTEL_SERVICE_NAME")
	if service == "" {
		service = defaultService
	}
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(), // telemetry.sdk.language = go, name, version
		resource.WithFromEnv(),      // OTEL_RESOURCE_ATTRIBUTES
		resource.WithAttributes(attribute.String("service.name", service), attribute.String("service.language.example", "go")),
	)
	if err != nil {
		return nil, fmt.Errorf("resource: %w", err)
	}
	// OTEL_BSP_SCHEDULE_DELAY and friends apply (the tests shorten the delay).
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}

func shutdown(provider *sdktrace.TracerProvider) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return provider.Shutdown(ctx)
}

/* ---------- serve ---------- */

type weatherRequest struct {
	City string `json:"city"`
}

type weatherResponse struct {
	City     string `json:"city"`
	Forecast string `json:"forecast"`
	Summary  string `json:"summary"`
	TraceID  string `json:"trace_id"`
}

func serve(args []string) error {
	flags := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := flags.String("addr", "127.0.0.1:0", "address to listen on")
	_ = flags.Parse(args)

	ctx := context.Background()
	provider, err := newProvider(ctx, "weather-go")
	if err != nil {
		return err
	}
	tracer := provider.Tracer(scopeName, trace.WithInstrumentationVersion("1.0.0"))

	mux := http.NewServeMux()
	mux.HandleFunc("POST /weather", func(w http.ResponseWriter, r *http.Request) {
		// The caller's span (W3C traceparent) becomes the parent of ours: one trace across services.
		parent := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(parent, "POST /weather", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", "POST"),
			attribute.String("http.route", "/weather"),
			attribute.String("url.path", "/weather"),
		))
		defer span.End()
		var req weatherRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.City == "" {
			span.SetStatus(codes.Error, "bad request body")
			span.SetAttributes(attribute.Int("http.response.status_code", http.StatusBadRequest))
			http.Error(w, `{"error":"send {\"city\": \"...\"}"}`, http.StatusBadRequest)
			return
		}
		answer := weather(ctx, tracer, req.City)
		answer.TraceID = span.SpanContext().TraceID().String()
		span.SetAttributes(attribute.Int("http.response.status_code", http.StatusOK))
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	})

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// The first line on stdout tells a parent process (or a test) where we listen.
	fmt.Printf("listening http://%s\n", listener.Addr().String())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-stop:
	}
	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = server.Shutdown(closeCtx)
	return shutdown(provider) // delivers what is still batched
}

// weather: a tool span ("execute_tool get_weather") around an LLM span that phrases the answer.
func weather(ctx context.Context, tracer trace.Tracer, city string) weatherResponse {
	forecast := map[string]string{"Paris": "rain, 14°C", "Lisbon": "sun, 24°C"}[city]
	if forecast == "" {
		forecast = "clouds, 18°C"
	}
	args, _ := json.Marshal(map[string]string{"city": city})
	result, _ := json.Marshal(map[string]string{"forecast": forecast})
	ctx, tool := tracer.Start(ctx, "execute_tool get_weather", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"),
		attribute.String("gen_ai.tool.name", "get_weather"),
		attribute.String("gen_ai.tool.description", "Forecast for a city"),
		attribute.String("gen_ai.tool.call.id", "call_weather_1"),
		attribute.String("gen_ai.tool.call.arguments", string(args)),
		attribute.String("gen_ai.tool.call.result", string(result)),
	))
	defer tool.End()
	summary := chat(ctx, tracer, "Say the forecast for "+city+" in one sentence: "+forecast,
		"Expect "+forecast+" in "+city+".", 18, 9)
	return weatherResponse{City: city, Forecast: forecast, Summary: summary}
}

// chat: an LLM-ish span as the OTel GenAI conventions describe a chat call (canned answer).
func chat(ctx context.Context, tracer trace.Tracer, prompt, answer string, inputTokens, outputTokens int) string {
	input, _ := json.Marshal([]map[string]any{{"role": "user", "parts": []map[string]string{{"type": "text", "content": prompt}}}})
	output, _ := json.Marshal([]map[string]any{{"role": "assistant", "parts": []map[string]string{{"type": "text", "content": answer}}, "finish_reason": "stop"}})
	_, span := tracer.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.provider.name", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.String("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
		attribute.Float64("gen_ai.request.temperature", 0.2),
		attribute.Int("gen_ai.request.max_tokens", 64),
		attribute.String("gen_ai.input.messages", string(input)),
		attribute.String("gen_ai.output.messages", string(output)),
		attribute.StringSlice("gen_ai.response.finish_reasons", []string{"stop"}),
		attribute.Int("gen_ai.usage.input_tokens", inputTokens),
		attribute.Int("gen_ai.usage.output_tokens", outputTokens),
	))
	time.Sleep(2 * time.Millisecond)
	span.End()
	return answer
}

/* ---------- run ---------- */

func run(args []string) error {
	flags := flag.NewFlagSet("run", flag.ExitOnError)
	traces := flags.Int("traces", 1, "how many traces to create")
	_ = flags.Parse(args)

	ctx := context.Background()
	provider, err := newProvider(ctx, "ticket-summarizer-go")
	if err != nil {
		return err
	}
	tracer := provider.Tracer(scopeName, trace.WithInstrumentationVersion("1.0.0"))

	// TRACEPARENT (the W3C header's value, passed through the environment by a parent process)
	// makes our root a child of the caller's span: one trace across processes.
	parent := ctx
	if traceparent := os.Getenv("TRACEPARENT"); traceparent != "" {
		carrier := propagation.MapCarrier{"traceparent": traceparent, "tracestate": os.Getenv("TRACESTATE")}
		parent = otel.GetTextMapPropagator().Extract(ctx, carrier)
		if !trace.SpanContextFromContext(parent).IsValid() {
			return fmt.Errorf("TRACEPARENT %q is not a valid W3C traceparent", traceparent)
		}
	}
	for i := 0; i < *traces; i++ {
		ctx, root := tracer.Start(parent, "summarize ticket", trace.WithAttributes(
			attribute.Int("ticket.number", 1000+i),
			attribute.String("langsmith.metadata.example", "polyglot-go"),
		))
		_, load := tracer.Start(ctx, "load ticket", trace.WithAttributes(attribute.Int("ticket.number", 1000+i)))
		load.AddEvent("cache miss", trace.WithAttributes(attribute.String("cache.key", fmt.Sprintf("ticket:%d", 1000+i))))
		load.End()
		chat(ctx, tracer, fmt.Sprintf("Summarize ticket %d: the printer is on fire.", 1000+i), "A printer caught fire; needs a technician.", 21, 11)
		fmt.Printf("trace %s\n", root.SpanContext().TraceID())
		root.End()
	}
	return shutdown(provider)
}
