CatalogSearch.add("t","di",{"digest":[1.186,"1_"],"digest script":[1.54,"1_"]});
