CatalogSearch.add("t","x ",{"x onerror":[1.54,"1_"],"x script":[1.54,"1_"]});
