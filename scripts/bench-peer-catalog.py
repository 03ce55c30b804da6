#!/usr/bin/env python3
"""Writes the catalog of bench-peer's 5-line cart (bench-p000 … bench-p004) to the path given."""
import json
import sys

products = [{"id": f"bench-p{i:03d}", "name": f"Bench product {i}",
             "price": {"currency_code": "INR", "amount_minor": 10000 + i * 100},
             "active": True, "stock": 1000000, "variants": []} for i in range(5)]
json.dump({"products": products}, open(sys.argv[1], "w"))
