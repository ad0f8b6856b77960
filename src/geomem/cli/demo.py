def demo():
    """placeholder"""
