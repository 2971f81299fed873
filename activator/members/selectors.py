def member_counts():
    return {}
