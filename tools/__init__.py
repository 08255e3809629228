"""Scripts that build things from the book: student copies, the PDF, the JupyterLite site."""
