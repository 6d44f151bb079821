"""Training the learned model: data, distributed helpers, the loop (`loop.train`) and plots."""
