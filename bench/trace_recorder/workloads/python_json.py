import json
# A nested document of about 2.6 MB: 2,400 groups of 10 records with strings and numbers.
doc = {"version": 3, "groups": []}
x = 12345
for g in range(2400):
    items = []
    for i in range(10):
        x = (x * 1103515245 + 12345) % 2**31
        items.append({"id": g * 10 + i, "name": "item-%d-%x" % (i, x), "score": x / 7.0,
                      "tags": ["t%d" % (x % 97), "u%d" % (x % 13)], "ok": i % 3 == 0})
    doc["groups"].append({"group": g, "label": "group number %d" % g, "items": items})
s = json.dumps(doc)
back = json.loads(s)
print(len(s), len(back["groups"]))
