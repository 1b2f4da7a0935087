CatalogSearch.add("t","mo",{"model":[6.733,"2_"],"model more":[2.607,"2_"],"model wise":[2.118,"2_"],"more":[4.452,"2_"],"more data":[2.607,"2_"],"moritz":[3.652,"5_"]});
