CatalogSearch.add("t","op",{"opening":[4.55,"4_"],"opening black":[2.607,"4_"]});
