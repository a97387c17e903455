"""The storyboard: scene vision, a beat per chain, the chain count, drafts and renders."""
