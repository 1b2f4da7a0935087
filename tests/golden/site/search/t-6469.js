CatalogSearch.add("t","di",{"digest":[1.186,"1_"]});
