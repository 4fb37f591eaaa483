"""The hosting company's brand (name, logo, colours, favicon), read by the portal, the desk,
emails and the chat widget. Below every product app: anyone may read it."""
