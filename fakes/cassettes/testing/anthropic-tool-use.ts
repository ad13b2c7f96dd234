/**
 * An Anthropic Messages stream with a thinking block, a signature and a tool_use block whose input
 * arrives as partial JSON (the event shapes of wire-formats.md A3 and Anthropic's streaming docs,
 * with the capture's trailing-space padding). The fake's scripts only make text blocks, so the
 * recorder's tests serve this from a scripted upstream. "Zürich" and "°C" put multi-byte UTF-8 in it.
 */
const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

export const anthropicToolUseEvents: readonly string[] = [
  event(
    "message_start",
    '{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2,"service_tier":"standard"}}       }',
  ),
  event(
    "content_block_start",
    '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}          }',
  ),
  event("ping", '{"type": "ping"}'),
  event(
    "content_block_delta",
    '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user asks for the weather in Zürich in °C, so I call get_weather."}       }',
  ),
  event(
    "content_block_delta",
    '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7Qx"}   }',
  ),
  event("content_block_stop", '{"type":"content_block_stop","index":0      }'),
  event(
    "content_block_start",
    '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}  }',
  ),
  event(
    "content_block_delta",
    '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}      }',
  ),
  event(
    "content_block_delta",
    '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\": \\"Zür"}    }',
  ),
  event(
    "content_block_delta",
    '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ich, CH\\", \\"unit\\": \\"celsius\\"}"} }',
  ),
  event("content_block_stop", '{"type":"content_block_stop","index":1    }'),
  event(
    "message_delta",
    '{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}    }',
  ),
  event("message_stop", '{"type":"message_stop"  }'),
];

export const anthropicHeaders: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "request-id": "req_01UBbuBZTAEGvsiW3otqwmYr",
  "anthropic-organization-id": "997c7200-0000-4000-8000-5c4a05c4a05c",
  via: "1.1 google",
};
